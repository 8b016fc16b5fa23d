"""Prompt generation with the real espeak-ng and sox."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import pytest

from core.settings import MenuOption
from ivr.prompts import FALLBACK, MANIFEST, PROMPTS, PromptLibrary, generate_prompts, prompt_texts

needs_tools = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None, reason="espeak-ng and sox not installed"
)


@needs_tools
def test_generated_prompts_are_asterisk_playable(tmp_path: Path) -> None:
    written = generate_prompts(tmp_path / "prompts")
    assert sorted(p.stem for p in written) == sorted(PROMPTS)
    for path in written:
        with wave.open(str(path), "rb") as w:
            assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1)
            assert w.getnframes() > 8000  # more than a second of speech
    library = PromptLibrary(tmp_path / "prompts")
    assert library.missing == []
    assert library.path("greeting") == str((tmp_path / "prompts" / "greeting").resolve())
    # 004 §11: the greeting must leave time to reach a seat within 15 s.
    assert library.seconds("greeting") < 10.0


def test_missing_prompts_fall_back_to_a_beep(tmp_path: Path) -> None:
    (tmp_path / "greeting.wav").write_bytes(b"not a wav")
    library = PromptLibrary(tmp_path)
    assert set(library.missing) == set(PROMPTS)
    assert library.path("greeting") == FALLBACK
    assert library.seconds("greeting") == 1.0
    with pytest.raises(KeyError):
        library.path("no-such-prompt")


CITY_MENU = [
    MenuOption(digit="1", label="政务咨询", queue="q-general"),
    MenuOption(digit="0", label="方言服务", queue="q-dialect"),
]


def test_menu_prompt_names_the_configured_keys() -> None:
    assert PROMPTS["menu"] == "政务咨询请按一，水电气暖紧急问题请按二，企业诉求请按三，或直接等待人工服务。"
    texts = prompt_texts(CITY_MENU)
    assert texts["menu"] == "政务咨询请按一，方言服务请按零，或直接等待人工服务。"
    assert {k: v for k, v in texts.items() if k != "menu"} == {
        k: v for k, v in PROMPTS.items() if k != "menu"
    }


def _silence(path: Path) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000)


def test_a_menu_changed_after_generation_is_reported_stale(tmp_path: Path) -> None:
    for name in PROMPTS:
        _silence(tmp_path / f"{name}.wav")
    (tmp_path / MANIFEST).write_text(json.dumps(dict(PROMPTS), ensure_ascii=False), encoding="utf-8")
    assert PromptLibrary(tmp_path).stale == []
    assert PromptLibrary(tmp_path, prompt_texts(CITY_MENU)).stale == ["menu"]
    # A prompt the city replaced by its own recording, with no manifest entry, is taken as it is.
    (tmp_path / MANIFEST).write_text(json.dumps({"greeting": PROMPTS["greeting"]}), encoding="utf-8")
    assert PromptLibrary(tmp_path, prompt_texts(CITY_MENU)).stale == []


@needs_tools
def test_generation_records_the_texts_it_spoke(tmp_path: Path) -> None:
    texts = prompt_texts(CITY_MENU)
    generate_prompts(tmp_path, texts)
    assert json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8")) == texts
    assert PromptLibrary(tmp_path, texts).stale == []
    assert PromptLibrary(tmp_path).stale == ["menu"]

"""Prompt generation with the real espeak-ng and sox."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest

from ivr.prompts import FALLBACK, PROMPTS, PromptLibrary, generate_prompts

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

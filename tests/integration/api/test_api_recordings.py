"""Recording playback: only the centre and the seat who took the call, every playback audited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from core.contracts import CallRecord
from core.settings import Settings
from tests.integration.api.client import Api
from tickets.db import Database
from tickets.ingest import ingest_record

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)


async def ingest_call(settings: Settings, linkedid: str, recording: str | None) -> None:
    db = Database(settings.database_url, pool_size=1)
    now = datetime.now(UTC)
    record = CallRecord(
        linkedid=linkedid,
        caller="13800000001",
        channel="PJSIP/world-00000000",
        started_at=now,
        ended_at=now,
        outcome="answered",
        queue="q-general",
        seat="1001",
        recording_path=recording,
    )
    try:
        await db.run(lambda s: ingest_record(s, record, settings, now))
    finally:
        db.dispose()


async def test_recording_access_is_checked_and_audited(api: Api, api_settings: Settings) -> None:
    api_settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    (api_settings.recordings_dir / "1795326409.0.wav").write_bytes(WAV)
    spool = api_settings.asterisk_recordings_dir
    await ingest_call(api_settings, "1795326409.0", f"{spool}/1795326409.0.wav")

    path = "/api/calls/1795326409.0/recording"
    for user in ("seat1001", "supervisor", "auditor"):
        r = await api.get(user, path)
        assert (r.status_code, r.headers["content-type"], r.content) == (200, "audio/wav", WAV), user
    for user in ("seat1002", "unit-u-water"):
        r = await api.get(user, path)
        assert r.status_code == 403, user
        assert "无权收听" in r.json()["detail"]
    assert (await api.get(None, path)).status_code == 401

    def plays(session: Session) -> list[tuple[str, str]]:
        from sqlmodel import select

        from tickets.models import AuditLog

        rows = session.exec(select(AuditLog).where(AuditLog.action == "recording_play")).all()
        return sorted((r.actor, r.note) for r in rows)

    db = Database(api_settings.database_url, pool_size=1)
    try:
        assert await db.run(plays) == [
            ("auditor", "1795326409.0"),
            ("seat1001", "1795326409.0"),
            ("supervisor", "1795326409.0"),
        ]
    finally:
        db.dispose()


async def test_missing_or_unsafe_recordings_are_404(api: Api, api_settings: Settings) -> None:
    await ingest_call(api_settings, "2.0", f"{api_settings.asterisk_recordings_dir}/gone.wav")
    await ingest_call(api_settings, "3.0", "/etc/passwd")
    await ingest_call(api_settings, "4.0", None)
    cases = (("2.0", "不存在"), ("3.0", "无效"), ("4.0", "无此通话录音"), ("9.9", "无此通话录音"))
    for linkedid, reason in cases:
        r = await api.get("supervisor", f"/api/calls/{linkedid}/recording")
        assert r.status_code == 404
        assert reason in r.json()["detail"], linkedid

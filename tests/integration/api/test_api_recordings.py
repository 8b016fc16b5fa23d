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


async def ingest_call(
    settings: Settings, linkedid: str, recording: str | None, caller_name: str | None = None
) -> None:
    db = Database(settings.database_url, pool_size=1)
    now = datetime.now(UTC)
    record = CallRecord(
        linkedid=linkedid,
        caller="13800000001",
        caller_name=caller_name,
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
    # Admins keep the system, not the cases: no audio (DOMAIN.md §9, anyone who does not need it).
    for user in ("seat1002", "unit-u-water", "admin"):
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


async def test_transcripts_are_masked_by_content_for_auditors_and_admins(
    api: Api, api_settings: Settings
) -> None:
    """issue 11: a transcript over REST is in full for the seat who took the call and supervisors,
    masked by content (tickets.privacy_text) for auditors and admins; refused to everyone else."""
    spool = api_settings.asterisk_recordings_dir
    # The caller's name as the call record knows it: 王先生 is masked as the caller's own name.
    await ingest_call(api_settings, "5.0", f"{spool}/5.0.wav", caller_name="王建华")
    said = "我叫王建华,王先生,电话13800000001,身份证430104196911207764,住人民路枫林小区21栋1单元902室"

    def transcribed(session: Session) -> None:
        from sqlmodel import select

        from tickets.models import CallLink

        link = session.exec(select(CallLink).where(CallLink.linkedid == "5.0")).one()
        link.transcript, link.transcript_status = said, "done"
        session.add(link)

    db = Database(api_settings.database_url, pool_size=1)
    try:
        await db.run(transcribed)
    finally:
        db.dispose()
    path = "/api/calls/5.0/transcript"
    for user in ("seat1001", "supervisor"):
        assert (await api.get(user, path)).json()["transcript"] == said, user
    for user in ("auditor", "admin"):
        shown = (await api.get(user, path)).json()["transcript"]
        for datum in ("王建华", "王先生", "13800000001", "430104196911207764", "902室"):
            assert datum not in shown, (user, datum, shown)
        assert "人民路枫林小区" in shown and "王**" in shown, shown
    for user in ("seat1002", "unit-u-water"):
        r = await api.get(user, path)
        assert r.status_code == 403 and "无权查看" in r.json()["detail"], user

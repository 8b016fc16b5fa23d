"""Access-checked playback of call recordings and their transcripts (DOMAIN.md §9: personal data,
every read audited).

A recording carries the citizen's voice and often name and address, so only the centre listens:
supervisors, auditors (call quality) and the seat who took that call. Admins keep the system, not
the cases (§9: never to anyone who does not need it), and audio cannot be masked, so they get no
audio. Units never get the audio; they get the written record on the ticket.

The transcript is text, so it follows the ticket policy (`tickets.policy`, issue 11): the seat who
took the call and supervisors read it in full, auditors and admins masked by content
(`tickets.privacy_text`), knowing the caller's number, name and the linked ticket's address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlmodel import Session, select

from agent_desk.api.deps import ActorDep, CtxDep, DbDep, SettingsDep
from agent_desk.api.errors import AUTH_ERRORS
from agent_desk.api.params import LinkedidPath
from core.contracts import CallRecord
from recordings.storage import RecordingError, RecordingNotFound, RecordingStore
from tickets.actors import Actor
from tickets.models import CallLink, Ticket
from tickets.policy import Level, Relation, access
from tickets.privacy import audit
from tickets.privacy_text import mask_text_detailed
from tickets.vocab import Role

router = APIRouter(prefix="/api/calls", tags=["recordings"], responses=AUTH_ERRORS)

# Who besides the seat that took the call may have it, and what the others are told.
_LISTENERS = (frozenset({Role.SUPERVISOR, Role.AUDITOR}), "无权收听该录音:仅值班长、审计员和接听坐席可以回放")
_READERS = (
    frozenset({Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN}),
    "无权查看该通话转写:仅中心管理人员和接听坐席可以查看",
)


def _authorised_call(
    session: Session, actor: Actor, linkedid: str, what: str, now: datetime, who: tuple[frozenset[Role], str]
) -> CallLink:
    link = session.exec(select(CallLink).where(CallLink.linkedid == linkedid)).first()
    if link is None or not link.recording_path:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "无此通话录音")
    own_call = actor.role == Role.SEAT and actor.extension is not None and actor.extension == link.seat
    allowed, refusal = who
    if actor.role not in allowed and not own_call:
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)
    audit(session, actor, what, link.caller, "recording", now, note=linkedid)
    return link


def _transcript_as_shown(session: Session, actor: Actor, link: CallLink) -> str | None:
    """The transcript at the level the ticket policy gives this role for free text (the centre's
    text level: the caller is nobody's complainant here, the unit roles never get this far)."""
    if link.transcript is None:
        return None
    level = access(actor.role, Relation.NONE).text
    if level == Level.FULL:
        return link.transcript
    ticket = session.get(Ticket, link.ticket_id) if link.ticket_id is not None else None
    record = CallRecord.model_validate_json(link.record_json) if link.record_json != "{}" else None
    masked = mask_text_detailed(
        link.transcript,
        citizen_name=(ticket.citizen_name if ticket else None) or (record.caller_name if record else None),
        citizen_phone=link.caller,
        citizen_address=ticket.citizen_address if ticket else None,
        level="hidden" if level == Level.HIDDEN else "masked",
    )
    return masked.text


@router.get(
    "/{linkedid}/recording",
    summary="通话录音回放(值班长、审计员与接听坐席,访问留痕)",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/wav": {}}, "description": "录音文件"},
        404: {"description": "无此通话或录音"},
        403: {"description": "无权收听"},
    },
)
async def play_recording(
    linkedid: LinkedidPath, actor: ActorDep, db: DbDep, ctx: CtxDep, settings: SettingsDep
) -> FileResponse:
    link = await db.run(lambda s: _authorised_call(s, actor, linkedid, "recording_play", ctx.now, _LISTENERS))
    assert link.recording_path is not None
    store = RecordingStore(settings.recordings_dir, settings.asterisk_recordings_dir)
    try:
        stored = store.open(link.recording_path)
    except RecordingNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "录音文件已过保存期限或不存在") from exc
    except RecordingError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"录音路径无效:{exc}") from exc
    except OSError as exc:
        # The path comes from the softswitch: one the file system cannot even look up (a name
        # too long, a component that is a file) is as absent as a missing file.
        raise HTTPException(status.HTTP_404_NOT_FOUND, "录音路径无效:文件系统无法读取该路径") from exc
    return FileResponse(stored.path, media_type="audio/wav", filename=f"{linkedid}.wav")


class TranscriptView(BaseModel):
    linkedid: str
    status: Literal["pending", "done", "missing", "failed"]
    transcript: str | None


@router.get(
    "/{linkedid}/transcript",
    response_model=TranscriptView,
    summary="通话录音转写文本(接听坐席与值班长看全文,审计员与管理员看脱敏文本;访问留痕)",
    responses={404: {"description": "无此通话或录音"}, 403: {"description": "无权查看"}},
)
async def call_transcript(linkedid: LinkedidPath, actor: ActorDep, db: DbDep, ctx: CtxDep) -> TranscriptView:
    def work(s: Session) -> TranscriptView:
        link = _authorised_call(s, actor, linkedid, "transcript_read", ctx.now, _READERS)
        state = link.transcript_status or "pending"
        if state not in ("done", "missing", "failed"):
            state = "pending"
        return TranscriptView(
            linkedid=linkedid, status=state, transcript=_transcript_as_shown(s, actor, link)
        )

    return await db.run(work)

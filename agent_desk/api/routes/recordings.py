"""Access-checked playback of call recordings (DOMAIN.md §9: personal data, every read audited).

A recording carries the citizen's voice and often name and address, so only the centre listens:
supervisors, auditors and admins, and the seat who took that call. Units never get the audio;
they get the written record on the ticket.
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
from recordings.storage import RecordingError, RecordingNotFound, RecordingStore
from tickets.actors import Actor
from tickets.models import CallLink
from tickets.privacy import audit
from tickets.vocab import Role

router = APIRouter(prefix="/api/calls", tags=["recordings"], responses=AUTH_ERRORS)

_LISTENERS = frozenset({Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN})


def _authorised_call(session: Session, actor: Actor, linkedid: str, what: str, now: datetime) -> CallLink:
    link = session.exec(select(CallLink).where(CallLink.linkedid == linkedid)).first()
    if link is None or not link.recording_path:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "无此通话录音")
    own_call = actor.role == Role.SEAT and actor.extension is not None and actor.extension == link.seat
    if actor.role not in _LISTENERS and not own_call:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "无权收听该录音:仅中心管理人员和接听坐席可以回放")
    audit(session, actor, what, link.caller, "recording", now, note=linkedid)
    return link


@router.get(
    "/{linkedid}/recording",
    summary="通话录音回放(仅中心人员与接听坐席,访问留痕)",
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
    link = await db.run(lambda s: _authorised_call(s, actor, linkedid, "recording_play", ctx.now))
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
    summary="通话录音转写文本(与录音同等权限,访问留痕)",
    responses={404: {"description": "无此通话或录音"}, 403: {"description": "无权查看"}},
)
async def call_transcript(linkedid: LinkedidPath, actor: ActorDep, db: DbDep, ctx: CtxDep) -> TranscriptView:
    link = await db.run(lambda s: _authorised_call(s, actor, linkedid, "transcript_read", ctx.now))
    state = link.transcript_status or "pending"
    if state not in ("done", "missing", "failed"):
        state = "pending"
    return TranscriptView(linkedid=linkedid, status=state, transcript=link.transcript)

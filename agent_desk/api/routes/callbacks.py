"""Call-back work lists (回访 due, 漏接回拨 missed calls)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from agent_desk.api.deps import CtxDep, DbDep, SeatDep
from agent_desk.api.errors import TICKET_ERRORS
from agent_desk.api.params import IdPath
from tickets import callbacks
from tickets.policy import CallbackTaskView
from tickets.schemas import Note
from tickets.vocab import CallbackKind

router = APIRouter(prefix="/api/callback-tasks", tags=["callbacks"], responses=TICKET_ERRORS)


@router.get("", response_model=list[CallbackTaskView], summary="回访/漏接回拨任务")
async def list_tasks(
    actor: SeatDep, db: DbDep, ctx: CtxDep, kind: CallbackKind | None = None, done: bool = False
) -> list[CallbackTaskView]:
    return await db.run(lambda s: callbacks.list_tasks(s, actor, ctx.now, kind, done))


@router.post("/{task_id}/done", response_model=CallbackTaskView, summary="漏接回拨已完成")
async def done(
    task_id: IdPath, body: Note, actor: SeatDep, db: DbDep, ctx: CtxDep
) -> CallbackTaskView:
    def work(session: Session) -> CallbackTaskView:
        task = callbacks.complete_missed_call(session, actor, task_id, body.note, ctx.now)
        return callbacks.task_view(session, actor, task, ctx.now)

    return await db.run(work)

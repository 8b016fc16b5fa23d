"""Call-back work lists (回访 due, 漏接回拨 missed calls)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from agent_desk.api.deps import CtxDep, DbDep, SeatDep
from agent_desk.api.errors import TICKET_ERRORS
from agent_desk.api.params import IdPath
from tickets import callbacks
from tickets.schemas import Note
from tickets.vocab import CallbackKind

router = APIRouter(prefix="/api/callback-tasks", tags=["callbacks"], responses=TICKET_ERRORS)


@router.get("", response_model=list[callbacks.CallbackTaskView], summary="回访/漏接回拨任务")
async def list_tasks(
    actor: SeatDep, db: DbDep, ctx: CtxDep, kind: CallbackKind | None = None, done: bool = False
) -> list[callbacks.CallbackTaskView]:
    return await db.run(lambda s: callbacks.list_tasks(s, actor, ctx.now, kind, done))


@router.post("/{task_id}/done", response_model=callbacks.CallbackTaskView, summary="漏接回拨已完成")
async def done(
    task_id: IdPath, body: Note, actor: SeatDep, db: DbDep, ctx: CtxDep
) -> callbacks.CallbackTaskView:
    def work(session: Session) -> callbacks.CallbackTaskView:
        task = callbacks.complete_missed_call(session, actor, task_id, body.note, ctx.now)
        return callbacks.CallbackTaskView(
            id=task.id or 0,
            kind=CallbackKind(task.kind),
            phone=task.phone,
            ticket_no=None,
            created_at=task.created_at,
            due_at=task.due_at,
            overdue=False,
            done=task.done,
            attempts=task.attempts,
            note=task.note,
        )

    return await db.run(work)

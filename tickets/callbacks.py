"""Call-back work lists: 回访 due after an approved reply, 漏接回拨 for missed calls."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.errors import NotFound, TransitionRefused
from tickets.models import CallbackTask, Ticket
from tickets.privacy import audit
from tickets.vocab import CallbackKind


class CallbackTaskView(BaseModel):
    id: int
    kind: CallbackKind
    phone: str
    ticket_no: str | None
    created_at: datetime
    due_at: datetime
    overdue: bool
    done: bool
    attempts: int
    note: str


def list_tasks(
    session: Session, actor: Actor, now: datetime, kind: CallbackKind | None = None, done: bool = False
) -> list[CallbackTaskView]:
    stmt = (
        select(CallbackTask, Ticket.ticket_no)
        .join(Ticket, col(Ticket.id) == col(CallbackTask.ticket_id), isouter=True)
        .where(CallbackTask.done == done)
        .order_by(col(CallbackTask.due_at))
        .limit(500)
    )
    if kind is not None:
        stmt = stmt.where(CallbackTask.kind == kind)
    rows = session.exec(stmt).all()
    if rows:
        # The seat sees the numbers to call: a read of personal data (DOMAIN.md §9).
        audit(session, actor, "list_callback_tasks", "callback_tasks", "phone", now, note=f"{len(rows)} rows")
    return [
        CallbackTaskView(
            id=t.id or 0,
            kind=CallbackKind(t.kind),
            phone=t.phone,
            ticket_no=no,
            created_at=t.created_at,
            due_at=t.due_at,
            overdue=not t.done and now > t.due_at,
            done=t.done,
            attempts=t.attempts,
            note=t.note,
        )
        for t, no in rows
    ]


def complete_missed_call(
    session: Session, actor: Actor, task_id: int, note: str, now: datetime
) -> CallbackTask:
    """A seat called the citizen back; survey tasks close through the ticket's callback instead."""
    task = session.get(CallbackTask, task_id)
    if task is None:
        raise NotFound(f"回拨任务不存在:{task_id}")
    if task.done:
        raise TransitionRefused("该回拨任务已完成")
    if task.kind != CallbackKind.MISSED_CALL:
        raise TransitionRefused("回访任务须通过工单“回访”操作完成")
    task.done, task.done_at, task.done_by = True, now, actor.username
    task.attempts += 1
    task.note = note or task.note
    session.add(task)
    return task

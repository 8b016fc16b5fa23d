"""Call-back work lists: 回访 due after an approved reply, 漏接回拨 for missed calls."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tickets import policy
from tickets.actors import Actor
from tickets.errors import NotFound, TransitionRefused
from tickets.models import CallbackTask, Ticket
from tickets.policy import CallbackTaskView
from tickets.privacy import audit
from tickets.vocab import CallbackKind


def list_tasks(
    session: Session, actor: Actor, now: datetime, kind: CallbackKind | None = None, done: bool = False
) -> list[CallbackTaskView]:
    stmt = (
        select(CallbackTask, Ticket)
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
    viewer = policy.viewer_for(session, actor)
    return [policy.callback_task(viewer, t, ticket, now) for t, ticket in rows]


def task_view(session: Session, actor: Actor, task: CallbackTask, now: datetime) -> CallbackTaskView:
    ticket = session.get(Ticket, task.ticket_id) if task.ticket_id is not None else None
    return policy.callback_task(policy.viewer_for(session, actor), task, ticket, now)


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

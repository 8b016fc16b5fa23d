"""The end of a ticket: 回访 (closes or reopens), 重办, 并单, 办结, 归档."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from tickets.actions.assignments import assign, assist_codes, end_assignments
from tickets.actions.run import Outcome, Step, run_action
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.errors import InvalidInput, TransitionRefused
from tickets.history import add_event, ticket_id
from tickets.lifecycle import Action
from tickets.models import CallbackTask, CallLink, Survey, Ticket
from tickets.queries import load
from tickets.schemas import CallbackInput, MergeInput, Note
from tickets.vocab import OPEN_STATUSES, CallbackKind, Satisfaction, Status


def _reopen(step: Step, note: str) -> Outcome:
    """Back to the same lead and assisting units with fresh clocks (the status: DISPATCHED)."""
    ticket = step.ticket
    lead = ticket.lead_unit_code
    if lead is None:
        raise TransitionRefused("直接办结的工单没有承办单位,不能重办;请重新受理")
    assists = assist_codes(step.session, ticket)
    ticket.reopen_count += 1
    ticket.closed_at = None
    assign(step.session, ticket, lead, assists, step.ctx)
    return Outcome(event=Action.REOPEN, status=Status.DISPATCHED, note=note, unit_code=lead)


def callback(
    session: Session,
    actor: Actor,
    ticket_no: str,
    data: CallbackInput,
    ctx: Ctx,
    *,
    linkedid: str | None = None,
) -> Ticket:
    """回访: closes the ticket, or reopens it on the first dissatisfied callback (003 §11(五))."""

    def body(step: Step) -> Outcome:
        ticket = step.ticket
        session.add(
            Survey(
                ticket_id=ticket_id(ticket),
                ticket_no=ticket.ticket_no,
                linkedid=linkedid or f"desk-{uuid.uuid4().hex}",
                unit_code=ticket.lead_unit_code,
                at=ctx.now,
                answered=True,
                satisfaction=data.satisfaction,
                resolved=data.resolved,
                by=actor.username,
            )
        )
        ticket.satisfaction = data.satisfaction
        ticket.resolved = data.resolved
        ticket.callback_count += 1
        for task in session.exec(
            select(CallbackTask).where(
                CallbackTask.ticket_id == ticket.id,
                CallbackTask.kind == CallbackKind.SURVEY,
                col(CallbackTask.done).is_(False),
            )
        ).all():
            task.done, task.done_at, task.done_by = True, ctx.now, actor.username
            session.add(task)
        result = {"satisfaction": data.satisfaction, "resolved": data.resolved}
        if (
            data.satisfaction == Satisfaction.DISSATISFIED
            and ticket.reopen_count == 0
            and ticket.lead_unit_code
        ):
            ticket.closed_at = None
            # The callback is recorded at APPROVED, then the reopen that follows from it.
            step.record(Action.CALLBACK, note=data.note, data=result)
            return _reopen(step, "首次回访不满意,重办")
        ticket.closed_at = ctx.now
        return Outcome(status=Status.CLOSED, note=data.note, data=result)

    return run_action(session, actor, ticket_no, Action.CALLBACK, ctx, body)


def reopen(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    """重办 after a quality review of a closed ticket (000 §25: 不满意 → 质检评定)."""
    return run_action(
        session, actor, ticket_no, Action.REOPEN, ctx, lambda step: _reopen(step, data.note or "重办")
    )


def merge(session: Session, actor: Actor, ticket_no: str, data: MergeInput, ctx: Ctx) -> Ticket:
    """并单: the duplicate ends, its calls move to the primary ticket."""
    primaries: list[Ticket] = []

    def body(step: Step) -> Outcome:
        if data.into_ticket_no == ticket_no:
            raise InvalidInput("不能与自身并单")
        primary = load(session, data.into_ticket_no, lock=True)
        if primary.status not in OPEN_STATUSES:
            raise TransitionRefused(f"目标工单{primary.ticket_no}已结束,不能并入")
        for link in session.exec(select(CallLink).where(CallLink.ticket_id == step.ticket.id)).all():
            link.ticket_id = primary.id
            session.add(link)
        end_assignments(session, step.ticket, ctx)
        step.ticket.merged_into = primary.ticket_no
        step.ticket.closed_at = ctx.now
        primaries.append(primary)
        return Outcome(note=data.note, data={"into": primary.ticket_no})

    ticket = run_action(session, actor, ticket_no, Action.MERGE, ctx, body)
    (primary,) = primaries
    # The primary's state does not change: its history only notes what joined it.
    add_event(
        session,
        primary,
        actor,
        "merged_in",
        ctx,
        from_status=primary.status,
        note=data.note,
        data={"from": ticket.ticket_no},
    )
    return ticket


def close(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    """办结 without a callback answer (the citizen could not be reached)."""

    def body(step: Step) -> Outcome:
        if not data.note.strip():
            raise InvalidInput("未经回访办结须说明原因")
        step.ticket.closed_at = ctx.now
        return Outcome(note=data.note)

    return run_action(session, actor, ticket_no, Action.CLOSE, ctx, body)


def archive(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    def body(step: Step) -> Outcome:
        step.ticket.archived_at = ctx.now
        end_assignments(session, step.ticket, ctx)
        return Outcome(note=data.note)

    return run_action(session, actor, ticket_no, Action.ARCHIVE, ctx, body)

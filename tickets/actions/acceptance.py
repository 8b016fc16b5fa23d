"""The centre's intake: 受理 from any channel, then 派单, 直接办结 or 不予受理."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tickets import deadlines
from tickets.actions.assignments import active_unit, assign
from tickets.actions.run import Outcome, Step, run_action
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.errors import Conflict, Forbidden, InvalidInput
from tickets.history import add_event, ticket_id
from tickets.lifecycle import INITIAL_STATUS, Action
from tickets.models import CallLink, Category, IntakeRequest, Ticket
from tickets.numbering import next_ticket_no
from tickets.schemas import CloseAtIntakeInput, DispatchInput, RefuseInput, TicketIntake
from tickets.vocab import NOT_ACCEPTED_REASONS, Role


class IdempotencyKeyReused(Conflict):
    """The same Idempotency-Key came with another request body (HTTP 409)."""

    code = "idempotency_key_reused"


class CallAlreadyTicketed(Conflict):
    """The call is already a ticket and this request is not a repeat of the one that made it."""

    code = "call_already_ticketed"


@dataclass(frozen=True)
class Accepted:
    ticket: Ticket
    created: bool  # False: a repeated request, answered with the ticket the first one made


def accept(
    session: Session, actor: Actor, intake: TicketIntake, ctx: Ctx, key: str | None = None
) -> Accepted:
    """受理 that a repeated request does not duplicate: same Idempotency-Key (per account) or same call.

    A request with a key or a linkedid leaves an `IntakeRequest` row; its unique constraints let
    only one of two concurrent identical requests commit, the other answers with the winner's ticket.
    """
    _may_accept(actor)
    fingerprint = _fingerprint(intake)
    earlier = _earlier(session, actor, intake, key, fingerprint)
    if earlier is not None:
        return Accepted(earlier, created=False)
    if key is None and intake.linkedid is None:
        return Accepted(create_ticket(session, actor, intake, ctx), created=True)
    try:
        # A savepoint: the loser of a race rolls back its ticket (and its number) and carries on.
        with session.begin_nested():
            ticket = create_ticket(session, actor, intake, ctx)
            session.add(
                IntakeRequest(
                    actor=actor.username,
                    idem_key=key,
                    linkedid=intake.linkedid,
                    fingerprint=fingerprint,
                    ticket_id=ticket_id(ticket),
                    at=ctx.now,
                )
            )
            session.flush()
    except IntegrityError:
        earlier = _earlier(session, actor, intake, key, fingerprint)
        if earlier is None:
            raise
        return Accepted(earlier, created=False)
    return Accepted(ticket, created=True)


def _fingerprint(intake: TicketIntake) -> str:
    canonical = json.dumps(intake.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _earlier(
    session: Session, actor: Actor, intake: TicketIntake, key: str | None, fingerprint: str
) -> Ticket | None:
    """The ticket an earlier identical request made; a reused key or call with another body is refused."""
    if key is not None:
        row = session.exec(
            select(IntakeRequest).where(IntakeRequest.actor == actor.username, IntakeRequest.idem_key == key)
        ).first()
        if row is not None:
            ticket = _ticket(session, row.ticket_id)
            if row.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    f"该 Idempotency-Key 已用于受理工单 {ticket.ticket_no},但本次请求内容不同;"
                    "新的受理请使用新的 Idempotency-Key"
                )
            return ticket
    if intake.linkedid:
        row = session.exec(select(IntakeRequest).where(IntakeRequest.linkedid == intake.linkedid)).first()
        if row is not None:
            ticket = _ticket(session, row.ticket_id)
            if row.fingerprint != fingerprint:
                raise CallAlreadyTicketed(_call_taken(ticket))
            return ticket
        link = session.exec(select(CallLink).where(CallLink.linkedid == intake.linkedid)).first()
        if link is not None and link.ticket_id is not None:
            raise CallAlreadyTicketed(_call_taken(_ticket(session, link.ticket_id)))
    return None


def _call_taken(ticket: Ticket) -> str:
    return (
        f"该通话已受理为工单 {ticket.ticket_no},同一通话只生成一张工单;"
        "请在该工单上补充,或另起不关联通话的工单"
    )


def _ticket(session: Session, row_id: int) -> Ticket:
    ticket = session.get(Ticket, row_id)
    if ticket is None:  # the foreign key forbids it
        raise RuntimeError(f"intake request points to a missing ticket {row_id}")
    return ticket


def _may_accept(actor: Actor) -> None:
    if actor.role not in (Role.SEAT, Role.SUPERVISOR, Role.SYSTEM):
        raise Forbidden("只有热线中心话务员或值班长可以受理工单")


def create_ticket(session: Session, actor: Actor, intake: TicketIntake, ctx: Ctx) -> Ticket:
    """受理: any channel, by the centre (seats, supervisors) or the system (call records)."""
    _may_accept(actor)
    if intake.category_code and session.get(Category, intake.category_code) is None:
        raise InvalidInput(f"分类不存在:{intake.category_code}")
    if intake.complained_unit_code:
        active_unit(session, intake.complained_unit_code)
    ticket = Ticket(
        ticket_no=next_ticket_no(session, ctx.now, ctx.tz),
        channel=intake.channel,
        type=intake.type,
        urgency=intake.urgency,
        status=INITIAL_STATUS,
        category_code=intake.category_code,
        title=intake.title or intake.content[:30],
        content=intake.content,
        location=intake.location,
        citizen_name=intake.citizen_name,
        citizen_phone=intake.citizen_phone,
        citizen_address=intake.citizen_address,
        consent_disclosure=intake.consent_disclosure,
        complained_unit_code=intake.complained_unit_code,
        created_by=actor.username,
        created_at=ctx.now,
        updated_at=ctx.now,
        dispatch_due=deadlines.dispatch_due(intake.urgency, ctx.now, ctx.settings.rules),
    )
    session.add(ticket)
    session.flush()
    add_event(session, ticket, actor, "register", ctx, data={"channel": intake.channel})
    if intake.linkedid:
        link = session.exec(select(CallLink).where(CallLink.linkedid == intake.linkedid)).first()
        if link is not None and link.ticket_id is None:
            link.ticket_id = ticket.id
            session.add(link)
    return ticket


def dispatch(session: Session, actor: Actor, ticket_no: str, data: DispatchInput, ctx: Ctx) -> Ticket:
    """派单 (and 改派 of a returned ticket): one lead unit, optional assisting units."""

    def body(step: Step) -> Outcome:
        assign(session, step.ticket, data.lead_unit_code, data.assist_unit_codes, ctx)
        return Outcome(note=data.note, unit_code=data.lead_unit_code, data={"assist": data.assist_unit_codes})

    return run_action(session, actor, ticket_no, Action.DISPATCH, ctx, body)


def close_at_intake(
    session: Session, actor: Actor, ticket_no: str, data: CloseAtIntakeInput, ctx: Ctx
) -> Ticket:
    """直接办结: answered on the spot (004 §12)."""

    def body(step: Step) -> Outcome:
        step.ticket.intake_closed = True
        step.ticket.reply_text = data.answer
        step.ticket.closed_at = ctx.now
        return Outcome(note=data.answer)

    return run_action(session, actor, ticket_no, Action.CLOSE_AT_INTAKE, ctx, body)


def refuse(session: Session, actor: Actor, ticket_no: str, data: RefuseInput, ctx: Ctx) -> Ticket:
    """不予受理 with a reason code (DOMAIN.md §3): still a record."""
    if data.reason_code not in NOT_ACCEPTED_REASONS:
        raise InvalidInput(f"不予受理原因代码无效:{data.reason_code}(可选:{'、'.join(NOT_ACCEPTED_REASONS)})")

    def body(step: Step) -> Outcome:
        step.ticket.not_accepted_reason = data.reason_code
        step.ticket.closed_at = ctx.now
        return Outcome(
            note=data.note or NOT_ACCEPTED_REASONS[data.reason_code], data={"reason": data.reason_code}
        )

    return run_action(session, actor, ticket_no, Action.REFUSE, ctx, body)

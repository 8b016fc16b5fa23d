"""Which units hold a ticket: hand-over to a lead (+ assisting) unit, with its clocks."""

from __future__ import annotations

from sqlmodel import Session, col, select

from tickets import deadlines
from tickets.context import Ctx
from tickets.deadlines import WorkCalendar
from tickets.errors import InvalidInput
from tickets.history import ticket_id
from tickets.models import Assignment, Ticket, Unit
from tickets.vocab import AssignmentRole


def active_unit(session: Session, code: str) -> Unit:
    unit = session.get(Unit, code)
    if unit is None or not unit.active:
        raise InvalidInput(f"单位不存在或已停用:{code}")
    return unit


def handling_unit(session: Session, code: str) -> Unit:
    """A unit a ticket can be handed to: active, and not the centre that hands it out."""
    unit = active_unit(session, code)
    # DOMAIN.md §7: the centre (一级) dispatches, reviews and calls back; it never handles its own tickets.
    if unit.tier == 1 or unit.kind == "centre":
        raise InvalidInput(f"热线中心不能作为主办或协办单位:{code}")
    return unit


def lead_assignment(session: Session, ticket: Ticket) -> Assignment | None:
    return session.exec(
        select(Assignment).where(
            Assignment.ticket_id == ticket_id(ticket),
            Assignment.role == AssignmentRole.LEAD,
            col(Assignment.active).is_(True),
        )
    ).first()


def assist_codes(session: Session, ticket: Ticket) -> list[str]:
    return [
        a.unit_code
        for a in session.exec(
            select(Assignment).where(
                Assignment.ticket_id == ticket_id(ticket),
                Assignment.role == AssignmentRole.ASSIST,
                col(Assignment.active).is_(True),
            )
        ).all()
    ]


def end_assignments(session: Session, ticket: Ticket, ctx: Ctx) -> None:
    for a in session.exec(
        select(Assignment).where(Assignment.ticket_id == ticket_id(ticket), col(Assignment.active).is_(True))
    ).all():
        a.active = False
        a.ended_at = ctx.now
        session.add(a)


def assign(session: Session, ticket: Ticket, lead: str, assists: list[str], ctx: Ctx) -> None:
    """Hands the ticket to a lead unit (+ assisting units) and starts the unit clocks.

    The status (DISPATCHED) is the calling action's to set, through the transition table.
    """
    handling_unit(session, lead)
    assists = [a for a in dict.fromkeys(assists) if a != lead]
    for code in assists:
        handling_unit(session, code)
    clocks = deadlines.unit_clocks(
        ticket_type=ticket.type,
        urgency=ticket.urgency,
        channel=ticket.channel,
        dispatched_at=ctx.now,
        rules=ctx.settings.rules,
        calendar=WorkCalendar.load(session),
        tz=ctx.tz,
    )
    end_assignments(session, ticket, ctx)
    session.add(
        Assignment(
            ticket_id=ticket_id(ticket),
            unit_code=lead,
            role=AssignmentRole.LEAD,
            assigned_at=ctx.now,
            response_due=clocks.response_due,
            complete_due=clocks.complete_due,
        )
    )
    for code in assists:
        session.add(
            Assignment(
                ticket_id=ticket_id(ticket), unit_code=code, role=AssignmentRole.ASSIST, assigned_at=ctx.now
            )
        )
    ticket.lead_unit_code = lead
    ticket.dispatched_at = ctx.now
    ticket.signed_at = ticket.first_contact_at = ticket.replied_at = ticket.approved_at = None
    ticket.response_due = clocks.response_due
    ticket.complete_due = clocks.complete_due
    ticket.callback_due = None
    ticket.extension_days = ticket.extension_reason = None
    ticket.return_reason = ticket.status_before_return = None
    ticket.supervision_level = 0

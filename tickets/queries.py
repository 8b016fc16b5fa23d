"""Reads of tickets: one ticket, scoped lists and counts, the detail view and the history.

Every view is built by `tickets.policy` for the reader (`policy.viewer_for`); a ticket out of the
reader's scope answers like a missing one (404).
"""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from tickets import policy
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.models import Category, Ticket
from tickets.policy import EventView, TicketDetail, TicketSummary
from tickets.privacy import audit
from tickets.schemas import TicketFilter
from tickets.vocab import UNIT_STATUSES


def load(session: Session, ticket_no: str, *, lock: bool = False) -> Ticket:
    """The ticket, row-locked on PostgreSQL when it is about to change."""
    stmt = select(Ticket).where(Ticket.ticket_no == ticket_no)
    if lock:
        stmt = stmt.with_for_update()
    ticket = session.exec(stmt).first()
    if ticket is None:
        raise policy.not_found(ticket_no)
    return ticket


def load_visible(session: Session, actor: Actor, ticket_no: str, *, lock: bool = False) -> Ticket:
    """The ticket if the actor may see it; 404 alike for a missing one and one out of scope."""
    ticket = load(session, ticket_no, lock=lock)
    policy.ensure_visible(session, policy.viewer_for(session, actor), ticket)
    return ticket


def find_tickets(session: Session, actor: Actor, flt: TicketFilter, ctx: Ctx) -> list[Ticket]:
    """The rows of a list, scoped by role and unit; the phone search scoped by the policy too."""
    viewer = policy.viewer_for(session, actor)
    stmt = select(Ticket).where(policy.scope_clause(viewer))
    if flt.status:
        stmt = stmt.where(Ticket.status == flt.status)
    if flt.channel:
        stmt = stmt.where(Ticket.channel == flt.channel)
    if flt.type:
        stmt = stmt.where(Ticket.type == flt.type)
    if flt.unit_code:
        stmt = stmt.where(Ticket.lead_unit_code == flt.unit_code)
    if flt.category_code:
        child = select(Category.code).where(Category.parent_code == flt.category_code)
        stmt = stmt.where(
            or_(col(Ticket.category_code) == flt.category_code, col(Ticket.category_code).in_(child))
        )
    if flt.phone:
        # Raises Forbidden for who may not search; never returns a ticket hiding its caller.
        stmt = stmt.where(policy.phone_search_clause(viewer), Ticket.citizen_phone == flt.phone)
        audit(session, actor, "search_by_phone", flt.phone, "citizen_phone", ctx.now)
    if flt.created_from:
        stmt = stmt.where(Ticket.created_at >= flt.created_from)
    if flt.created_to:
        stmt = stmt.where(Ticket.created_at < flt.created_to)
    if flt.overdue:
        stmt = stmt.where(col(Ticket.status).in_(list(UNIT_STATUSES)), col(Ticket.complete_due) < ctx.now)
    stmt = (
        stmt.order_by(col(Ticket.priority).desc(), col(Ticket.id).desc()).offset(flt.offset).limit(flt.limit)
    )
    return list(session.exec(stmt).all())


def list_tickets(session: Session, actor: Actor, flt: TicketFilter, ctx: Ctx) -> list[TicketSummary]:
    """Scoped by role and unit; personal data at the list level (the detail view shows more, audited)."""
    rows = find_tickets(session, actor, flt, ctx)
    return policy.summaries(session, policy.viewer_for(session, actor), rows, ctx.now)


def count_tickets(session: Session, actor: Actor) -> int:
    clause = policy.scope_clause(policy.viewer_for(session, actor))
    return int(session.exec(select(func.count()).select_from(Ticket).where(clause)).one())


def summary(session: Session, actor: Actor, ticket: Ticket, ctx: Ctx) -> TicketSummary:
    """The answer of an action, as its actor sees the ticket now."""
    return policy.summary(session, policy.viewer_for(session, actor), ticket, ctx.now)


def detail(session: Session, actor: Actor, ticket_no: str, ctx: Ctx) -> TicketDetail:
    """The full ticket, personal data as the reader may see it (a full read is audited)."""
    return policy.detail(session, policy.viewer_for(session, actor), load(session, ticket_no), ctx)


def events(session: Session, actor: Actor, ticket_no: str, ctx: Ctx) -> list[EventView]:
    return policy.events(session, policy.viewer_for(session, actor), load(session, ticket_no), ctx.now)

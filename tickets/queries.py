"""Reads of tickets: one ticket, scoped lists and counts, the detail view and the history."""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from tickets import views
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.errors import Forbidden, NotFound
from tickets.lifecycle import allowed_actions
from tickets.models import Assignment, CallLink, Category, Ticket, TicketEvent
from tickets.privacy import (
    HIDDEN,
    audit,
    can_read_personal_data,
    ensure_visible,
    identity_hidden,
    mask_address,
    mask_name,
    mask_phone,
    mask_text,
    scope_clause,
)
from tickets.schemas import EventView, TicketDetail, TicketFilter, TicketSummary
from tickets.vocab import UNIT_STATUSES, AssignmentRole


def load(session: Session, ticket_no: str, *, lock: bool = False) -> Ticket:
    """The ticket, row-locked on PostgreSQL when it is about to change."""
    stmt = select(Ticket).where(Ticket.ticket_no == ticket_no)
    if lock:
        stmt = stmt.with_for_update()
    ticket = session.exec(stmt).first()
    if ticket is None:
        raise NotFound(f"工单不存在:{ticket_no}")
    return ticket


def list_tickets(session: Session, actor: Actor, flt: TicketFilter, ctx: Ctx) -> list[TicketSummary]:
    """Scoped by role and unit; personal data masked (the detail view shows it, audited)."""
    stmt = select(Ticket).where(scope_clause(actor))
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
        if not can_read_personal_data(actor):
            raise Forbidden("无权按来电号码查询")
        stmt = stmt.where(Ticket.citizen_phone == flt.phone)
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
    return [views.summary(t, ctx.now) for t in session.exec(stmt).all()]


def count_tickets(session: Session, actor: Actor) -> int:
    return int(session.exec(select(func.count()).select_from(Ticket).where(scope_clause(actor))).one())


def _shown(session: Session, actor: Actor, ticket: Ticket, ctx: Ctx) -> views.Shown:
    """The personal data this reader sees; a read of it unmasked is audit-logged (DOMAIN.md §9)."""
    if identity_hidden(actor, ticket):
        return views.Shown(HIDDEN, HIDDEN, HIDDEN, mask_text(ticket.content), identity_hidden=True)
    if can_read_personal_data(actor):
        if ticket.citizen_name or ticket.citizen_phone or ticket.citizen_address:
            audit(
                session,
                actor,
                "read_ticket",
                ticket.ticket_no,
                "citizen_name,citizen_phone,citizen_address",
                ctx.now,
            )
        return views.Shown(
            ticket.citizen_name, ticket.citizen_phone, ticket.citizen_address, ticket.content, False
        )
    return views.Shown(
        mask_name(ticket.citizen_name),
        mask_phone(ticket.citizen_phone),
        mask_address(ticket.citizen_address),
        mask_text(ticket.content),
        identity_hidden=False,
    )


def detail(session: Session, actor: Actor, ticket_no: str, ctx: Ctx) -> TicketDetail:
    """The full ticket, personal data as the reader may see it."""
    ticket = load(session, ticket_no)
    ensure_visible(session, actor, ticket)
    shown = _shown(session, actor, ticket, ctx)
    assists = session.exec(
        select(Assignment.unit_code).where(
            Assignment.ticket_id == ticket.id,
            Assignment.role == AssignmentRole.ASSIST,
            col(Assignment.active).is_(True),
        )
    ).all()
    calls = session.exec(select(CallLink.linkedid).where(CallLink.ticket_id == ticket.id)).all()
    return views.detail(
        ticket,
        ctx.now,
        shown,
        assist_unit_codes=list(assists),
        linked_calls=list(calls),
        allowed_actions=[a.value for a in allowed_actions(ticket.status, actor.role)],
    )


def events(session: Session, actor: Actor, ticket_no: str) -> list[EventView]:
    ticket = load(session, ticket_no)
    ensure_visible(session, actor, ticket)
    rows = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id))
    ).all()
    hidden = identity_hidden(actor, ticket)
    return [views.event(e, identity_hidden=hidden) for e in rows]

"""The builders of the ticket views: summary (lists, action answers), detail, history, portal list.

Fields a view shares with the `Ticket` table are read off the row as they are, except those the
policy decides (`SUMMARY_COMPUTED`, `DETAIL_COMPUTED`): labels, the overdue flag, identity and every
free-text field, each at the level `tickets.policy.rules.TABLE` gives this viewer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.context import Ctx
from tickets.lifecycle import STATUS_LABELS, allowed_actions
from tickets.models import Assignment, CallLink, Ticket, TicketEvent
from tickets.policy import shown
from tickets.policy.rules import Access, Level
from tickets.policy.scope import Viewer, access_of, assignments_of, ensure_visible, relation
from tickets.policy.views import EventView, PortalTicket, TicketDetail, TicketSummary
from tickets.privacy import audit
from tickets.vocab import UNIT_STATUSES, AssignmentRole, Role

# Never copied from the row: computed, or decided by the policy.
SUMMARY_COMPUTED = frozenset({"status_label", "overdue", "title", "citizen_name", "citizen_phone"})
# The free-text columns of a ticket a detail view shows (each masked by content below FULL).
DETAIL_TEXT = ("content", "location", "reply_text", "extension_reason", "return_reason", "leader_instruction")
DETAIL_COMPUTED = (
    SUMMARY_COMPUTED
    | frozenset(DETAIL_TEXT)
    | frozenset(
        {
            "relation",
            "citizen_address",
            "identity_hidden",
            "assist_unit_codes",
            "linked_calls",
            "allowed_actions",
        }
    )
)


def row_fields(view: type[BaseModel], ticket: Ticket, computed: frozenset[str]) -> dict[str, Any]:
    """The view's fields that are the table's own, read off the row."""
    shared = (view.model_fields.keys() & Ticket.model_fields.keys()) - computed
    return {name: getattr(ticket, name) for name in shared}


def overdue(ticket: Ticket, now: datetime) -> bool:
    return ticket.status in UNIT_STATUSES and ticket.complete_due is not None and now > ticket.complete_due


def _summary_fields(ticket: Ticket, now: datetime, rule: Access) -> dict[str, Any]:
    return {
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "overdue": overdue(ticket, now),
        "title": shown.title(ticket, rule.text_in_list),
        "citizen_name": shown.name(rule.identity_in_list, ticket.citizen_name),
        "citizen_phone": shown.phone(rule.identity_in_list, ticket.citizen_phone),
    }


def _rules(session: Session, viewer: Viewer, tickets: Sequence[Ticket]) -> list[Access]:
    roles = assignments_of(session, viewer, [t.id for t in tickets if t.id is not None])
    return [access_of(viewer, relation(viewer, t, roles.get(t.id or 0))) for t in tickets]


def summaries(
    session: Session, viewer: Viewer, tickets: Sequence[Ticket], now: datetime
) -> list[TicketSummary]:
    """List rows; a ticket the viewer may not see is left out (the query's scope already did)."""
    return [
        TicketSummary.model_validate(
            row_fields(TicketSummary, t, SUMMARY_COMPUTED) | _summary_fields(t, now, rule)
        )
        for t, rule in zip(tickets, _rules(session, viewer, tickets), strict=True)
        if rule.visible
    ]


def summary(session: Session, viewer: Viewer, ticket: Ticket, now: datetime) -> TicketSummary:
    """The answer of an action: the summary as the actor sees it now (404 once out of scope)."""
    ensure_visible(session, viewer, ticket)
    (row,) = summaries(session, viewer, [ticket], now)
    return row


def portal_items(
    session: Session,
    viewer: Viewer,
    tickets: Sequence[Ticket],
    now: datetime,
    days_left: Callable[[datetime | None], int | None],
) -> list[PortalTicket]:
    """The unit portal's list: summaries plus the working days left on each deadline."""
    by_no = {t.ticket_no: t for t in tickets}
    return [
        PortalTicket(
            **row.model_dump(),
            working_days_left=days_left(row.complete_due),
            response_working_days_left=days_left(by_no[row.ticket_no].response_due),
        )
        for row in summaries(session, viewer, tickets, now)
    ]


def detail(
    session: Session,
    viewer: Viewer,
    ticket: Ticket,
    ctx: Ctx,
    *,
    audit_action: str = "read_ticket",
    note: str = "",
) -> TicketDetail:
    """The full ticket at this viewer's levels; a read in full of personal data is audit-logged."""
    rel = ensure_visible(session, viewer, ticket)
    rule = access_of(viewer, rel)
    texts = {name: shown.text(ticket, getattr(ticket, name), rule.text) for name in DETAIL_TEXT}
    texts["location"] = shown.place(ticket, ticket.location, rule.text)
    if rule.identity == Level.FULL or rule.text == Level.FULL:
        _audit_full_read(session, viewer, ticket, rule, ctx, audit_action, note)
    assists = session.exec(
        select(Assignment.unit_code).where(
            Assignment.ticket_id == ticket.id,
            Assignment.role == AssignmentRole.ASSIST,
            col(Assignment.active).is_(True),
        )
    ).all()
    calls = session.exec(select(CallLink.linkedid).where(CallLink.ticket_id == ticket.id)).all()
    actions = [a.value for a in allowed_actions(ticket.status, viewer.role)] if viewer.role else []
    computed = (
        _summary_fields(ticket, ctx.now, rule)
        | texts
        | {
            # The detail shows the title and identity at the detail level, not the list's.
            "title": shown.title(ticket, rule.text),
            "citizen_name": shown.name(rule.identity, ticket.citizen_name),
            "citizen_phone": shown.phone(rule.identity, ticket.citizen_phone),
            "citizen_address": shown.address(rule.identity, ticket.citizen_address),
            "relation": rel.value,
            "identity_hidden": rule.identity == Level.HIDDEN,
            "assist_unit_codes": list(assists),
            "linked_calls": list(calls),
            "allowed_actions": actions,
        }
    )
    return TicketDetail.model_validate(row_fields(TicketDetail, ticket, DETAIL_COMPUTED) | computed)


def _audit_full_read(
    session: Session, viewer: Viewer, ticket: Ticket, rule: Access, ctx: Ctx, action: str, note: str
) -> None:
    fields: list[str] = []
    if rule.identity == Level.FULL:
        fields += [f for f in ("citizen_name", "citizen_phone", "citizen_address") if getattr(ticket, f)]
    if rule.text == Level.FULL:
        fields += sorted(shown.kinds(ticket, [getattr(ticket, name) for name in DETAIL_TEXT]))
    if fields or action != "read_ticket":
        audit(session, _actor(viewer), action, ticket.ticket_no, ",".join(fields), ctx.now, note=note)


def _actor(viewer: Viewer) -> Actor:
    """The audit row names who read; the public reads nothing in full, so never lands here."""
    return Actor(viewer.username, viewer.role or Role.SYSTEM, viewer.unit_code)


def events(session: Session, viewer: Viewer, ticket: Ticket, now: datetime) -> list[EventView]:
    """The history; notes (history, assist notes, replies, callback notes) masked by content."""
    rel = ensure_visible(session, viewer, ticket)
    rule = access_of(viewer, rel)
    rows = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id))
    ).all()
    if rule.text == Level.FULL:
        found = shown.kinds(ticket, [e.note for e in rows])
        if found:
            audit(session, _actor(viewer), "read_events", ticket.ticket_no, ",".join(sorted(found)), now)
    # The view's fields are the row's (derived from the table), the note as the policy shows it.
    return [
        EventView.model_validate(e, from_attributes=True).model_copy(
            update={"note": shown.text(ticket, e.note, rule.text) or ""}
        )
        for e in rows
    ]

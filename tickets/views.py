"""What a reader is shown of a ticket: the summary, the detail and the history views.

Fields a view shares with the `Ticket` table are read off the row as they are (the views are
derived from the model); only the computed fields are written out here: labels, the overdue
flag, and the personal data as `tickets.privacy` lets this reader see it. Every serialisation of
a ticket goes through this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from tickets.lifecycle import STATUS_LABELS
from tickets.models import Ticket, TicketEvent
from tickets.privacy import mask_name, mask_phone, mask_text
from tickets.schemas import EventView, TicketDetail, TicketSummary
from tickets.vocab import UNIT_STATUSES

# Never copied from the row: computed, or personal data that is masked unless the reader may see it.
SUMMARY_COMPUTED = frozenset({"status_label", "overdue", "citizen_name", "citizen_phone"})
DETAIL_COMPUTED = SUMMARY_COMPUTED | frozenset(
    {"content", "citizen_address", "identity_hidden", "assist_unit_codes", "linked_calls", "allowed_actions"}
)


@dataclass(frozen=True)
class Shown:
    """The personal data of a ticket as one reader may see it (decided by `tickets.privacy`)."""

    name: str | None
    phone: str | None
    address: str | None
    content: str
    identity_hidden: bool


def row_fields(view: type[BaseModel], ticket: Ticket, computed: frozenset[str]) -> dict[str, Any]:
    """The view's fields that are the table's own, read off the row."""
    shared = (view.model_fields.keys() & Ticket.model_fields.keys()) - computed
    return {name: getattr(ticket, name) for name in shared}


def overdue(ticket: Ticket, now: datetime) -> bool:
    return ticket.status in UNIT_STATUSES and ticket.complete_due is not None and now > ticket.complete_due


def _summary_fields(ticket: Ticket, now: datetime) -> dict[str, Any]:
    return {
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "overdue": overdue(ticket, now),
        # Lists always mask; the detail view shows more, audited.
        "citizen_name": mask_name(ticket.citizen_name),
        "citizen_phone": mask_phone(ticket.citizen_phone),
    }


def summary(ticket: Ticket, now: datetime) -> TicketSummary:
    return TicketSummary.model_validate(
        row_fields(TicketSummary, ticket, SUMMARY_COMPUTED) | _summary_fields(ticket, now)
    )


def detail(
    ticket: Ticket,
    now: datetime,
    shown: Shown,
    *,
    assist_unit_codes: list[str],
    linked_calls: list[str],
    allowed_actions: list[str],
) -> TicketDetail:
    computed = _summary_fields(ticket, now) | {
        "citizen_name": shown.name,
        "citizen_phone": shown.phone,
        "citizen_address": shown.address,
        "content": shown.content,
        "identity_hidden": shown.identity_hidden,
        "assist_unit_codes": assist_unit_codes,
        "linked_calls": linked_calls,
        "allowed_actions": allowed_actions,
    }
    return TicketDetail.model_validate(row_fields(TicketDetail, ticket, DETAIL_COMPUTED) | computed)


def event(row: TicketEvent, *, identity_hidden: bool) -> EventView:
    view = EventView.model_validate(row, from_attributes=True)
    if identity_hidden:
        # A complained-about unit must not find the citizen's number in the notes either.
        return view.model_copy(update={"note": mask_text(row.note)})
    return view

"""The one writer of a ticket's append-only history (DOMAIN.md §6: who, role, when, what, why)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from tickets.actors import Actor
from tickets.context import Ctx
from tickets.models import Ticket, TicketEvent
from tickets.vocab import Status


def ticket_id(ticket: Ticket) -> int:
    if ticket.id is None:
        raise RuntimeError("ticket has not been flushed")
    return ticket.id


def add_event(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    action: str,
    ctx: Ctx,
    *,
    from_status: Status | None = None,
    note: str = "",
    unit_code: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Appends one event; `to_status` is the ticket's status as it is now."""
    session.add(
        TicketEvent(
            ticket_id=ticket_id(ticket),
            at=ctx.now,
            actor=actor.username,
            role=actor.role,
            unit_code=unit_code if unit_code is not None else actor.unit_code,
            action=action,
            from_status=from_status,
            to_status=ticket.status,
            note=note,
            data=json.dumps(data or {}, ensure_ascii=False, default=str),
        )
    )

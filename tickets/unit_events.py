"""Live ticket deltas for the unit portal, on the Redis channel `<prefix>events:unit:<code>`.

The REST layer publishes them after the database commit, one per unit whose view of the ticket
changed (its active assignments, and the ones this very action ended, e.g. a re-dispatch away).
A delta is a policy view (`tickets.policy.live`, built by `tickets.policy.unit_deltas` for each
unit as the policy lets it see the ticket) and carries no personal data (DOMAIN.md §9): the portal
reads the ticket itself through the REST API, at its own level. Publishing is best effort: the
change is already committed, so a Redis failure is logged and the portal's resync / REST fallback
catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlmodel import Session, col, or_, select

from core.aio import honour_cancel
from tickets import policy
from tickets.models import Assignment, Ticket, TicketEvent
from tickets.policy.live import DELTA_OP, UnitDelta

log = logging.getLogger(__name__)

# The one place the channel name is spelled; agent_desk.ws.wiring routes it to topic `unit:<code>`.
UNIT_CHANNEL = "events:unit:"
__all__ = ["DELTA_OP", "UNIT_CHANNEL", "UnitDelta", "collect", "collect_tickets", "publish", "unit_channel"]


def unit_channel(prefix: str, unit_code: str) -> str:
    return f"{prefix}{UNIT_CHANNEL}{unit_code}"


def collect(session: Session, ticket: Ticket, now: datetime) -> list[UnitDelta]:
    """The deltas of the change `now` made to `ticket`; run in the transaction that made it."""
    if ticket.id is None:
        return []
    session.flush()
    rows = session.exec(
        select(Assignment).where(
            Assignment.ticket_id == ticket.id,
            or_(col(Assignment.active).is_(True), Assignment.ended_at == now),
        )
    ).all()
    if not rows:
        return []
    event = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id).desc())
    ).first()
    action = event.action if event is not None else "update"
    return policy.unit_deltas(session, ticket, action, rows, now)


def collect_tickets(session: Session, ticket_nos: Iterable[str], now: datetime) -> list[UnitDelta]:
    """`collect` for each ticket a batch job (the supervision pass) changed at `now`."""
    wanted = sorted(set(ticket_nos))
    if not wanted:
        return []
    tickets = session.exec(select(Ticket).where(col(Ticket.ticket_no).in_(wanted))).all()
    return [delta for ticket in tickets for delta in collect(session, ticket, now)]


async def publish(redis: Redis, prefix: str, deltas: Iterable[UnitDelta]) -> int:
    """Publishes each delta; returns how many reached Redis. Never raises for a Redis failure."""
    sent = 0
    for delta in deltas:
        try:
            await redis.publish(unit_channel(prefix, delta.unit_code), delta.message())
            sent += 1
        except (RedisError, OSError) as exc:
            log.warning(
                "unit events: delta %s/%s for unit %s not published (%s)",
                delta.ticket_no,
                delta.action,
                delta.unit_code,
                exc,
            )
            # A cancellation redis-py turned into an error must still end the caller (shutdown).
            honour_cancel()
    return sent

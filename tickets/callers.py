"""What is known about a calling number before a seat answers (DOMAIN.md §10).

The IVR calls `caller_profile` through `Database.run` with a timeout; it is a handful of indexed
queries and never writes.

A call counts from its call record (`CallLink`), which the ticket writer stores only after the
call has ended; a ticket registered by phone whose call has no record yet (the call is still on,
or its record is still in the hand-off stream) or that was never linked to one counts as the
call it came from. Counting call records alone said "0 calls" to the seat of a caller with two
tickets already today (issue 14).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, exists, select

from core.contracts import CallerProfile, OpenTicketRef
from tickets.models import CallLink, IntakeRequest, Ticket, WatchEntry
from tickets.vocab import OPEN_STATUSES, Channel

# 003 §26, 000 §45: repeated calls are counted and flagged to supervisors (never blocked).
REPEAT_CALLS_24H = 3
REPEAT_CALLS_30D = 10
MAX_OPEN_TICKETS = 10


def caller_profile(session: Session, phone: str, now: datetime) -> CallerProfile:
    phone = phone.strip()
    open_rows = session.exec(
        select(Ticket)
        .where(Ticket.citizen_phone == phone, col(Ticket.status).in_([s.value for s in OPEN_STATUSES]))
        .order_by(col(Ticket.created_at).desc())
        .limit(MAX_OPEN_TICKETS)
    ).all()
    calls_24h = _count_calls(session, phone, now - timedelta(hours=24))
    calls_30d = _count_calls(session, phone, now - timedelta(days=30))
    watch = session.exec(
        select(WatchEntry).where(WatchEntry.phone == phone, col(WatchEntry.active).is_(True))
    ).first()
    return CallerProfile(
        phone=phone,
        open_tickets=[
            OpenTicketRef(
                ticket_no=t.ticket_no,
                lead_unit_code=t.lead_unit_code,
                status=t.status,
                category=t.category_code,
            )
            for t in open_rows
        ],
        calls_last_24h=calls_24h,
        calls_last_30d=calls_30d,
        repeat_caller=calls_24h >= REPEAT_CALLS_24H or calls_30d >= REPEAT_CALLS_30D,
        watch_listed=watch is not None,
        watch_reason=watch.reason if watch is not None else None,
    )


def _count_calls(session: Session, phone: str, since: datetime) -> int:
    """Calls of `phone` since `since`: call records, plus phone tickets standing for a call that
    has none (each call is counted once: a ticket whose call has a record is that record)."""
    recorded = session.exec(
        select(func.count())
        .select_from(CallLink)
        .where(CallLink.caller == phone, CallLink.started_at >= since)
    ).one()
    # The ticket's call is known by the record linked to it, or by the call it was opened on.
    linked = exists().where(col(CallLink.ticket_id) == col(Ticket.id))
    opened_on = (
        exists()
        .where(col(IntakeRequest.ticket_id) == col(Ticket.id))
        .where(col(IntakeRequest.linkedid) == col(CallLink.linkedid))
    )
    unrecorded = session.exec(
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.citizen_phone == phone,
            Ticket.channel == Channel.PHONE,
            Ticket.created_at >= since,
            ~linked,
            ~opened_on,
        )
    ).one()
    return int(recorded) + int(unrecorded)

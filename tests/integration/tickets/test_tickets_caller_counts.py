"""The caller's call counts (DOMAIN.md §10, issue 14): today's calls count before their call
records exist. A call record is stored only after the call ends; a phone ticket registered on a
call still in progress, or whose record is still in the hand-off stream, stands for that call,
and a call with both a record and a ticket is counted once. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from core.contracts import CallRecord
from core.settings import Settings
from tests.integration.tickets.helpers import SEAT, T0, intake
from tickets.actions import acceptance
from tickets.callers import caller_profile
from tickets.context import Ctx
from tickets.db import Database
from tickets.ingest import ingest_record

PHONE = "13812345678"
NOW = T0 + timedelta(hours=6)


def record(linkedid: str, ticket_no: str | None, started_hours_ago: float) -> CallRecord:
    start = NOW - timedelta(hours=started_hours_ago)
    return CallRecord.model_validate(
        {
            "linkedid": linkedid,
            "caller": PHONE,
            "channel": "PJSIP/world-0001",
            "started_at": start,
            "ended_at": start + timedelta(minutes=4),
            "outcome": "answered",
            "seat": "1001",
            "queue": "q-general",
            "ticket_no": ticket_no,
        }
    )


def counts(db: Database) -> tuple[int, int, bool]:
    with db.session() as s:
        p = caller_profile(s, PHONE, NOW)
    return p.calls_last_24h, p.calls_last_30d, p.repeat_caller


def accept(db: Database, settings: Settings, hours_ago: float, **over: object) -> str:
    with db.session() as s:
        ctx = Ctx(settings, NOW - timedelta(hours=hours_ago))
        return acceptance.accept(s, SEAT, intake(**over), ctx).ticket.ticket_no


def test_todays_tickets_count_as_calls_before_their_records_exist(
    db: Database, seeded_settings: Settings
) -> None:
    assert counts(db) == (0, 0, False)
    # Two calls this morning, each registered on the desk while talking: no call record yet
    # (the writer stores it after the hang-up), the tickets stand for the calls.
    first = accept(db, seeded_settings, 3, linkedid="c.1")
    accept(db, seeded_settings, 2, linkedid="c.2")
    assert counts(db) == (2, 2, False)
    # The first call's record arrives (it names its ticket): still one call, not two.
    with db.session() as s:
        ingest_record(s, record("c.1", first, 3), seeded_settings, NOW)
    assert counts(db) == (2, 2, False)
    # The second call's record arrives without the ticket number (AttachTicket was lost): the
    # ticket was opened on that call, so it is still one call.
    with db.session() as s:
        ingest_record(s, record("c.2", None, 2), seeded_settings, NOW)
    assert counts(db) == (2, 2, False)


def test_each_call_counts_once_whatever_it_left_behind(db: Database, seeded_settings: Settings) -> None:
    # A call whose record named its ticket.
    no = accept(db, seeded_settings, 5, linkedid="d.1")
    with db.session() as s:
        ingest_record(s, record("d.1", no, 5), seeded_settings, NOW)
    # A call that left only its record (the seat registered nothing: the writer opened a draft).
    with db.session() as s:
        ingest_record(s, record("d.2", None, 4), seeded_settings, NOW)
    # A phone ticket typed in without a call link, an hour ago.
    accept(db, seeded_settings, 1)
    assert counts(db) == (3, 3, True)
    # Not calls: a web message from the same number, and a phone ticket for another number.
    accept(db, seeded_settings, 1, channel="web")
    accept(db, seeded_settings, 1, citizen_phone="13900000000")
    assert counts(db) == (3, 3, True)
    # A ticket of last week counts in the 30 days only.
    accept(db, seeded_settings, 24 * 7)
    assert counts(db) == (3, 4, True)

"""What the IVR learnt becomes the draft ticket of an answered call (SQLite and PostgreSQL):
its category and type, 紧急 for an urgent call (003 §10), and its lead unit only as a suggestion."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from core.contracts import CallRecord, IvrResult
from core.settings import Settings
from ivr.classify import CATEGORIES, UTILITY_CATEGORIES
from tests.integration.tickets.helpers import T0
from tickets.db import Database
from tickets.ingest import ingest_record
from tickets.models import Assignment, Category, Ticket, TicketEvent, Unit

NOW = T0 + timedelta(hours=5)


def _answered(linkedid: str, ivr: IvrResult) -> CallRecord:
    return CallRecord(
        linkedid=linkedid,
        caller="13900002222",
        did="12345",
        channel="PJSIP/world-0002",
        started_at=T0,
        ended_at=T0 + timedelta(minutes=3),
        outcome="answered",
        seat="1002",
        queue="q-priority",
        ivr=ivr,
    )


def _draft(db: Database, settings: Settings, record: CallRecord) -> tuple[Ticket, TicketEvent]:
    for _ in range(2):  # idempotent: the stream may deliver an entry twice
        with db.session() as s:
            ingest_record(s, record, settings, NOW)
    with db.session() as s:
        (ticket,) = s.exec(select(Ticket)).all()
        (event,) = s.exec(select(TicketEvent).where(TicketEvent.action == "draft_from_call")).all()
        s.expunge_all()
    return ticket, event


def test_ivr_codes_exist_in_the_seeded_database(db: Database) -> None:
    mapped = list(CATEGORIES.values()) + [codes for _words, codes in UTILITY_CATEGORIES]
    with db.session() as s:
        for code, unit in mapped:
            category = s.get(Category, code)
            assert category is not None, code
            assert category.default_unit_code == unit
            assert s.get(Unit, unit) is not None, unit


def test_urgent_outage_call_becomes_an_urgent_draft_with_a_suggested_unit(
    db: Database, seeded_settings: Settings
) -> None:
    ivr = IvrResult(
        queue="q-priority",
        category="urban.water",
        ticket_type="求助",
        suggested_unit="u-water",
        priority=10,
        transcript="幸福小区3号楼停水了",
    )
    ticket, event = _draft(db, seeded_settings, _answered("1700000100.1", ivr))
    assert (ticket.status, ticket.type, ticket.urgency, ticket.category_code) == (
        "registered",
        "求助",
        "紧急",
        "urban.water",
    )
    # 001 三(三)2: an urgent ticket's dispatch clock runs in minutes.
    assert ticket.dispatch_due is not None
    assert ticket.dispatch_due - ticket.created_at <= timedelta(
        minutes=seeded_settings.rules.urgent_dispatch_minutes
    )
    # A suggestion, not a dispatch: no lead unit, no assignment; the seat sees it in the history.
    assert ticket.lead_unit_code is None
    with db.session() as s:
        assert s.exec(select(Assignment)).all() == []
    assert json.loads(event.data)["suggested_unit"] == "u-water"
    assert "示范市自来水公司" in event.note


def test_normal_call_keeps_normal_urgency_and_drops_unknown_codes(
    db: Database, seeded_settings: Settings
) -> None:
    ivr = IvrResult(
        category="environment",  # an old IVR's code: not in the tree
        ticket_type="投诉",
        suggested_unit="生态环境局",  # a name, not a unit code
        priority=0,
    )
    ticket, event = _draft(db, seeded_settings, _answered("1700000100.2", ivr))
    assert (ticket.type, ticket.urgency, ticket.category_code, ticket.lead_unit_code) == (
        "投诉",
        "一般",
        None,
        None,
    )
    assert json.loads(event.data)["suggested_unit"] is None
    assert "建议主办单位" not in event.note


def test_marker_categories_are_not_ticket_categories(db: Database, seeded_settings: Settings) -> None:
    ivr = IvrResult(category="not_accepted_litigation", not_accepted_reason="litigation", ticket_type="咨询")
    ticket, _event = _draft(db, seeded_settings, _answered("1700000100.3", ivr))
    assert (ticket.category_code, ticket.urgency, ticket.type) == (None, "一般", "咨询")

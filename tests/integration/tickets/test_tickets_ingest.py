"""Hand-off records → database, idempotently (key: linkedid, linkedid+target, ticket_no+linkedid)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from core.contracts import CallRecord, EmergencyReferral, IvrResult, SurveyResult
from core.settings import Settings
from tests.integration.tickets.helpers import SEAT, T0, Journey, intake
from tickets import queries
from tickets.actions import acceptance
from tickets.context import Ctx
from tickets.db import Database
from tickets.errors import NotFound
from tickets.ingest import ingest_record
from tickets.models import CallbackTask, CallLink, Survey, Ticket, TicketEvent
from tickets.models import EmergencyReferralRow as Referral

NOW = T0 + timedelta(hours=5)


def call(linkedid: str, outcome: str = "answered", **over: object) -> CallRecord:
    data: dict[str, object] = {
        "linkedid": linkedid,
        "caller": "13900001111",
        "did": "12345",
        "channel": "PJSIP/world-0001",
        "started_at": T0,
        "ended_at": T0 + timedelta(minutes=4),
        "outcome": outcome,
        "seat": "1001",
        "queue": "q-general",
        "wait_s": 12.0,
    }
    data.update(over)
    return CallRecord.model_validate(data)


def ingest_twice(db: Database, settings: Settings, record: object) -> list[list[tuple[str, datetime]]]:
    """Ingests `record` twice (a redelivery); returns what each ingest reported as changed."""
    changed = []
    for _ in range(2):
        with db.session() as s:
            changed.append(ingest_record(s, record, settings, NOW))  # type: ignore[arg-type]
    return changed


def count(s: Session, model: type) -> int:
    return int(s.exec(select(func.count()).select_from(model)).one())


def test_answered_call_with_ticket_no_links_to_it_once(
    db: Database, seeded_settings: Settings, journey: Journey
) -> None:
    no = journey.create()
    ingest_twice(db, seeded_settings, call("1700000000.1", ticket_no=no))
    with db.session() as s:
        links = s.exec(select(CallLink)).all()
        assert [(link.linkedid, link.ticket_id is not None) for link in links] == [("1700000000.1", True)]
        ticket = s.exec(select(Ticket).where(Ticket.ticket_no == no)).one()
        assert links[0].ticket_id == ticket.id
        assert count(s, Ticket) == 1
        linked = s.exec(select(TicketEvent).where(TicketEvent.action == "call_linked")).all()
        assert len(linked) == 1


def test_answered_call_without_ticket_creates_one_draft(db: Database, seeded_settings: Settings) -> None:
    ivr = IvrResult(category="urban.streetlight", ticket_type="投诉", transcript="我要反映路灯不亮的问题")
    ingest_twice(db, seeded_settings, call("1700000000.2", ivr=ivr, caller_name="王五"))
    with db.session() as s:
        tickets = s.exec(select(Ticket)).all()
        assert len(tickets) == 1
        t = tickets[0]
        assert (t.status, t.channel, t.type, t.category_code) == (
            "registered",
            "phone",
            "投诉",
            "urban.streetlight",
        )
        assert t.content == "我要反映路灯不亮的问题"
        assert (t.citizen_phone, t.citizen_name) == ("13900001111", "王五")
        assert t.ticket_no.startswith("12345-20261118-")
        assert s.exec(select(CallLink)).one().ticket_id == t.id


def test_unknown_ivr_category_still_makes_a_draft(db: Database, seeded_settings: Settings) -> None:
    ingest_twice(
        db, seeded_settings, call("1700000000.3", ivr=IvrResult(category="no.such", ticket_type="??"))
    )
    with db.session() as s:
        t = s.exec(select(Ticket)).one()
        assert (t.category_code, t.type) == (None, "求助")
        assert "请补录" in t.content


@pytest.mark.parametrize("outcome", ["abandoned", "unanswered"])
def test_missed_call_creates_one_callback_task_and_no_ticket(
    db: Database, seeded_settings: Settings, outcome: str
) -> None:
    ingest_twice(db, seeded_settings, call("1700000000.4", outcome=outcome, seat=None))
    with db.session() as s:
        assert count(s, Ticket) == 0
        task = s.exec(select(CallbackTask)).one()
        assert (task.kind, task.phone, task.linkedid, task.done) == (
            "missed_call",
            "13900001111",
            "1700000000.4",
            False,
        )
        assert task.due_at == T0 + timedelta(minutes=64)


@pytest.mark.parametrize("call_first", [True, False])
def test_emergency_referral_is_recorded_once_and_linked_in_any_order(
    db: Database, seeded_settings: Settings, call_first: bool
) -> None:
    referral = EmergencyReferral(
        linkedid="1700000000.5",
        caller="13900001111",
        target="119",
        source="ivr",
        reason="fire",
        transcript="着火了",
        at=T0,
    )
    record = call("1700000000.5", outcome="emergency_referred", seat=None)
    for item in [record, referral] if call_first else [referral, record]:
        ingest_twice(db, seeded_settings, item)
    with db.session() as s:
        ref = s.exec(select(Referral)).one()
        assert (ref.target, ref.reason, ref.source) == ("119", "fire", "ivr")
        assert s.exec(select(CallLink)).one().referral_id == ref.id
        assert count(s, Ticket) == 0
    # A second target on the same call is a second referral.
    ingest_twice(db, seeded_settings, referral.model_copy(update={"target": "120"}))
    with db.session() as s:
        assert count(s, Referral) == 2


def test_the_call_controls_outcome_settles_the_ivrs_pending_referral(
    db: Database, seeded_settings: Settings
) -> None:
    # The IVR records its re-route at once (pending); callflow records the Dial's end later.
    pending = EmergencyReferral(
        linkedid="1700000000.6", caller="13900001111", target="119", source="ivr", reason="fire", at=T0
    )
    ingest_twice(db, seeded_settings, pending)
    ingest_twice(db, seeded_settings, pending.model_copy(update={"outcome": "no_answer"}))
    # A redelivered stale record does not undo it.
    ingest_twice(db, seeded_settings, pending)
    with db.session() as s:
        assert [r.outcome for r in s.exec(select(Referral)).all()] == ["no_answer"]


def survey(no: str, linkedid: str, satisfaction: str | None, answered: bool = True) -> SurveyResult:
    return SurveyResult(
        ticket_no=no,
        linkedid=linkedid,
        phone="13812345678",
        satisfaction=satisfaction,  # type: ignore[arg-type]
        resolved=True if answered else None,
        answered=answered,
        at=NOW,
    )


def test_satisfied_survey_closes_the_ticket_once(
    db: Database, seeded_settings: Settings, journey: Journey
) -> None:
    no = journey.approved()
    # The units' portals hear of the change once: the redelivery changes nothing.
    assert ingest_twice(db, seeded_settings, survey(no, "s.1", "satisfied")) == [[(no, NOW)], []]
    with db.session() as s:
        t = s.exec(select(Ticket).where(Ticket.ticket_no == no)).one()
        assert (t.status, t.satisfaction, t.resolved, t.callback_count) == ("closed", "satisfied", True, 1)
        assert count(s, Survey) == 1
        assert s.exec(select(CallbackTask).where(CallbackTask.ticket_id == t.id)).one().done


def test_dissatisfied_survey_reopens_per_003_11(
    db: Database, seeded_settings: Settings, journey: Journey
) -> None:
    no = journey.approved()
    assert ingest_twice(db, seeded_settings, survey(no, "s.2", "dissatisfied")) == [[(no, NOW)], []]
    with db.session() as s:
        t = s.exec(select(Ticket).where(Ticket.ticket_no == no)).one()
        assert (t.status, t.reopen_count, t.lead_unit_code) == ("dispatched", 1, "dept-urban")
        actions = [e.action for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_id == t.id)).all()]
        assert actions[-2:] == ["callback", "reopen"]


def test_unanswered_survey_keeps_the_callback_task_open(
    db: Database, seeded_settings: Settings, journey: Journey
) -> None:
    no = journey.approved()
    # Nothing a unit sees has changed: no portal delta.
    assert ingest_twice(db, seeded_settings, survey(no, "s.3", None, answered=False)) == [[], []]
    with db.session() as s:
        t = s.exec(select(Ticket).where(Ticket.ticket_no == no)).one()
        assert t.status == "approved"
        task = s.exec(select(CallbackTask).where(CallbackTask.ticket_id == t.id)).one()
        assert (task.done, task.attempts) == (False, 1)
        assert count(s, Survey) == 1


def test_survey_for_an_unknown_ticket_is_an_error_not_a_silent_drop(
    db: Database, seeded_settings: Settings
) -> None:
    with pytest.raises(NotFound), db.session() as s:
        ingest_record(s, survey("12345-20261118-999999", "s.4", "satisfied"), seeded_settings, NOW)


def test_record_times_are_stored_in_utc(db: Database, seeded_settings: Settings) -> None:
    shanghai = datetime(2026, 11, 18, 10, 0, tzinfo=UTC).astimezone()
    ingest_twice(db, seeded_settings, call("1700000000.6", outcome="ivr_hangup", started_at=shanghai))
    with db.session() as s:
        assert s.exec(select(CallLink)).one().started_at == datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def test_a_ticket_opened_with_the_call_id_links_an_already_written_call(
    db: Database, seeded_settings: Settings
) -> None:
    # The citizen hung up in the queue; a seat calls back and opens the ticket on that call.
    ingest_twice(db, seeded_settings, call("1700000000.7", outcome="abandoned", seat=None))
    with db.session() as s:
        ticket = acceptance.create_ticket(
            s, SEAT, intake(linkedid="1700000000.7"), Ctx(seeded_settings, NOW)
        )
        no = ticket.ticket_no
    with db.session() as s:
        assert queries.detail(s, SEAT, no, Ctx(seeded_settings, NOW)).linked_calls == ["1700000000.7"]

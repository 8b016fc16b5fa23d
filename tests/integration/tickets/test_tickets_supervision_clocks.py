"""督办 of the response, callback and urgent-dispatch clocks (DOMAIN.md §5/§6, 000 §23–25,
001 三(三)2): reminder → notice → escalation per clock, each written once to the history."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from tests.integration.tickets.helpers import SEAT, SUPERVISOR, URBAN, Journey
from tickets import queries, supervision
from tickets.actions import acceptance, closing, decisions, unit_work
from tickets.models import TicketEvent
from tickets.schemas import CallbackInput, DispatchInput, Note, ReturnDecision, ReturnRequest
from tickets.vocab import Satisfaction

TZ = ZoneInfo("Asia/Shanghai")
# Wed Nov 18 10:00: the response clock (1 working day) ends Thu Nov 19 23:59:59.
DISPATCHED = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)


def run(j: Journey, now: datetime, clock: str) -> list[tuple[str, int, str]]:
    with j.db.session() as s:
        steps = supervision.run_supervision(s, j.settings, now)
    return [(st.ticket_no, st.level, st.action) for st in steps if st.clock == clock]


def history(j: Journey, no: str, clock: str) -> list[tuple[str, str, str, str | None, dict[str, object]]]:
    with j.db.session() as s:
        t = queries.load(s, no)
        rows = s.exec(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)).all()  # type: ignore[arg-type]
        return [
            (e.action, e.actor, e.note, e.unit_code, json.loads(e.data))
            for e in rows
            if e.action.startswith(f"supervision_{clock}_")
        ]


def test_response_clock_reminds_notices_and_escalates(journey: Journey) -> None:
    no = journey.dispatched(DISPATCHED)
    # 80 % of the ~38 h is used at about Thu 16:20.
    assert run(journey, datetime(2026, 11, 19, 12, 0, tzinfo=TZ), "response") == []
    assert run(journey, datetime(2026, 11, 19, 17, 0, tzinfo=TZ), "response") == [
        (no, 1, "supervision_response_reminder")
    ]
    assert run(journey, datetime(2026, 11, 19, 18, 0, tzinfo=TZ), "response") == []  # not twice
    assert run(journey, datetime(2026, 11, 20, 9, 0, tzinfo=TZ), "response") == [
        (no, 2, "supervision_response_notice")
    ]
    # One working day past the deadline (end of Fri Nov 20): escalation.
    assert run(journey, datetime(2026, 11, 20, 23, 0, tzinfo=TZ), "response") == []
    assert run(journey, datetime(2026, 11, 21, 0, 30, tzinfo=TZ), "response") == [
        (no, 3, "supervision_response_escalation")
    ]
    assert run(journey, datetime(2026, 12, 1, tzinfo=TZ), "response") == []
    steps = history(journey, no, "response")
    assert [(a, actor, unit) for a, actor, _, unit, _ in steps] == [
        ("supervision_response_reminder", "system", "dept-urban"),
        ("supervision_response_notice", "system", "dept-urban"),
        ("supervision_response_escalation", "system", "dept-urban"),
    ]
    assert "首次联系" in steps[1][2] and [d["level"] for *_, d in steps] == [1, 2, 3]


def test_first_contact_stops_the_response_clock(journey: Journey) -> None:
    no = journey.dispatched(DISPATCHED)
    with journey.db.session() as s:
        unit_work.sign(s, URBAN, no, Note(), journey.ctx(DISPATCHED + timedelta(hours=1)))
        unit_work.first_contact(
            s, URBAN, no, Note(note="已电话联系"), journey.ctx(DISPATCHED + timedelta(hours=2))
        )
    assert run(journey, datetime(2026, 12, 1, tzinfo=TZ), "response") == []
    assert history(journey, no, "response") == []


def test_a_redispatch_starts_the_response_clock_over(journey: Journey) -> None:
    no = journey.dispatched(DISPATCHED)
    assert [lv for _, lv, _ in run(journey, datetime(2026, 11, 19, 17, 0, tzinfo=TZ), "response")] == [1]
    # 退单 approved with 改派 on Thu 17:30: dept-env's response clock runs to Fri Nov 20 23:59:59.
    redispatched = datetime(2026, 11, 19, 17, 30, tzinfo=TZ)
    with journey.db.session() as s:
        unit_work.ask_return(
            s, URBAN, no, ReturnRequest(reason="不属于本单位职责"), journey.ctx(redispatched)
        )
        decisions.decide_return(
            s,
            SUPERVISOR,
            no,
            ReturnDecision(approve=True, new_lead_unit_code="dept-env"),
            journey.ctx(redispatched),
        )
    assert run(journey, datetime(2026, 11, 20, 9, 0, tzinfo=TZ), "response") == []
    assert run(journey, datetime(2026, 11, 21, 1, 0, tzinfo=TZ), "response") == [
        (no, 1, "supervision_response_reminder"),
        (no, 2, "supervision_response_notice"),
    ]
    units = [unit for _, _, _, unit, _ in history(journey, no, "response")]
    assert units == ["dept-urban", "dept-env", "dept-env"]


def test_urgent_ticket_not_dispatched_within_15_minutes(journey: Journey) -> None:
    created = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
    no = journey.create(created, urgency="紧急")
    journey.create(created)  # a normal ticket has no dispatch clock
    assert run(journey, created + timedelta(minutes=11), "dispatch") == []
    assert run(journey, created + timedelta(minutes=13), "dispatch") == [
        (no, 1, "supervision_dispatch_reminder")
    ]
    assert run(journey, created + timedelta(minutes=16), "dispatch") == [
        (no, 2, "supervision_dispatch_notice")
    ]
    assert run(journey, created + timedelta(minutes=29), "dispatch") == []
    assert run(journey, created + timedelta(minutes=31), "dispatch") == [
        (no, 3, "supervision_dispatch_escalation")
    ]
    steps = history(journey, no, "dispatch")
    assert [(a, actor, unit) for a, actor, _, unit, _ in steps] == [
        ("supervision_dispatch_reminder", "system", None),
        ("supervision_dispatch_notice", "system", None),
        ("supervision_dispatch_escalation", "system", None),
    ]


def test_major_emergency_has_five_minutes_and_a_late_scheduler_catches_up(journey: Journey) -> None:
    created = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
    no = journey.create(created, urgency="重大")
    assert run(journey, created + timedelta(minutes=3), "dispatch") == []
    assert run(journey, created + timedelta(minutes=6), "dispatch") == [
        (no, 1, "supervision_dispatch_reminder"),
        (no, 2, "supervision_dispatch_notice"),
    ]
    assert [lv for _, lv, _ in run(journey, created + timedelta(minutes=11), "dispatch")] == [3]
    # Dispatched at last: the dispatch clock is met and writes nothing more.
    with journey.db.session() as s:
        acceptance.dispatch(
            s,
            SEAT,
            no,
            DispatchInput(lead_unit_code="dept-urban"),
            journey.ctx(created + timedelta(minutes=12)),
        )
    assert run(journey, created + timedelta(hours=5), "dispatch") == []
    assert len(history(journey, no, "dispatch")) == 3


def test_dispatched_in_time_is_left_alone(journey: Journey) -> None:
    created = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
    journey.dispatched(created, urgency="紧急")
    assert run(journey, created + timedelta(hours=1), "dispatch") == []


def test_callback_clock_after_the_approved_reply(journey: Journey) -> None:
    no = journey.approved(DISPATCHED)
    approved = DISPATCHED + timedelta(hours=1)
    assert run(journey, approved + timedelta(hours=19), "callback") == []
    assert run(journey, approved + timedelta(hours=20), "callback") == [
        (no, 1, "supervision_callback_reminder")
    ]
    assert run(journey, approved + timedelta(hours=25), "callback") == [
        (no, 2, "supervision_callback_notice")
    ]
    assert run(journey, approved + timedelta(hours=47), "callback") == []
    assert run(journey, approved + timedelta(hours=49), "callback") == [
        (no, 3, "supervision_callback_escalation")
    ]
    assert [a for a, *_ in history(journey, no, "callback")] == [
        "supervision_callback_reminder",
        "supervision_callback_notice",
        "supervision_callback_escalation",
    ]


def test_callback_done_stops_the_clock(journey: Journey) -> None:
    no = journey.approved(DISPATCHED)
    with journey.db.session() as s:
        closing.callback(
            s,
            SEAT,
            no,
            CallbackInput(satisfaction=Satisfaction.SATISFIED, resolved=True),
            journey.ctx(DISPATCHED + timedelta(hours=3)),
        )
    assert run(journey, DISPATCHED + timedelta(days=5), "callback") == []
    assert history(journey, no, "callback") == []

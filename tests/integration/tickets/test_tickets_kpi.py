"""KPI formulas (DOMAIN.md §11) on a small data set whose figures were worked out by hand.

dept-urban, November 2026 (all times Shanghai):
  A  dispatched Wed 18 10:00, contact 10:20 (on time), reply 10:30 (on time), callback 满意 + resolved
  B  dispatched Wed 18, contact Fri 20 (response due Thu 19: late), reply Fri 20 11:00 (due Fri 20: on
     time), callback 基本满意 + not resolved
  C  dispatched Wed 18, returned (approved) and re-dispatched to dept-housing
  D  dispatched Wed 18, contact on time, extension of 3 working days approved (due Fri 20 → Wed 25),
     reply Tue 24 (on time against the extended deadline), callback 不满意 → reopened: a new
     assignment D' on Tue 24, not contacted, not replied
  E  dispatched Fri Oct 30: outside the period
Centre: F closed at intake, G refused, H merged into D' (A, B, C, D, E also created here, E in October).

dept-urban: assigned 5 (A B C D D'), responded on time 2 (A D) → 0.4; returned 1 (C) → 0.2;
  kept 4 (A B D D'), on time 3 (A B D) → 0.75; extended 1 (D) → 0.25;
  callbacks 3 (A B D): resolved 1 → 0.3333, satisfied 2 (满意 + 基本满意) → 0.6667.
dept-housing: assigned 1 (C'), nothing done: 0.0 response and on time; no callbacks → None.
Centre: accepted 5 (A B C D F), closed at intake 1 → 0.2, refused 1, dispatched 4.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from tests.integration.tickets.helpers import SEAT, SUPERVISOR, URBAN, Journey
from tickets import kpi
from tickets.actions import acceptance, closing, decisions, unit_work
from tickets.context import Ctx
from tickets.schemas import (
    CallbackInput,
    CloseAtIntakeInput,
    Decision,
    ExtensionRequest,
    MergeInput,
    Note,
    RefuseInput,
    ReplyInput,
    ReturnDecision,
    ReturnRequest,
    ReviewInput,
)
from tickets.vocab import Satisfaction

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 1, tzinfo=TZ)
END = datetime(2026, 12, 1, tzinfo=TZ)


def at(month: int, day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=TZ)


def build(j: Journey) -> None:
    def do(when: datetime, fn: Callable[[Session, Ctx], object]) -> None:
        with j.db.session() as s:
            fn(s, j.ctx(when))

    reply = ReplyInput(text="已处理", responsible_person="李四", head_signoff="王五")

    def through_reply(no: str, contact: datetime, replied: datetime) -> None:
        do(contact, lambda s, c: unit_work.sign(s, URBAN, no, Note(), c))
        do(contact, lambda s, c: unit_work.first_contact(s, URBAN, no, Note(), c))
        do(replied, lambda s, c: unit_work.reply(s, URBAN, no, reply, c))

    def callback(no: str, when: datetime, sat: Satisfaction, resolved: bool) -> None:
        do(when, lambda s, c: decisions.review(s, SUPERVISOR, no, ReviewInput(approve=True), c))
        do(
            when,
            lambda s, c: closing.callback(s, SEAT, no, CallbackInput(satisfaction=sat, resolved=resolved), c),
        )

    a = j.dispatched(at(11, 18, 10))
    through_reply(a, at(11, 18, 10, 20), at(11, 18, 10, 30))
    callback(a, at(11, 18, 15), Satisfaction.SATISFIED, True)

    b = j.dispatched(at(11, 18, 10))
    through_reply(b, at(11, 20, 10), at(11, 20, 11))
    callback(b, at(11, 20, 15), Satisfaction.BASICALLY_SATISFIED, False)

    c_no = j.dispatched(at(11, 18, 10))
    do(
        at(11, 18, 11),
        lambda s, c: unit_work.ask_return(s, URBAN, c_no, ReturnRequest(reason="非本单位职责"), c),
    )
    do(
        at(11, 18, 12),
        lambda s, c: decisions.decide_return(
            s, SUPERVISOR, c_no, ReturnDecision(approve=True, new_lead_unit_code="dept-housing"), c
        ),
    )

    d = j.dispatched(at(11, 18, 10))
    do(at(11, 18, 10, 10), lambda s, c: unit_work.sign(s, URBAN, d, Note(), c))
    do(at(11, 18, 10, 20), lambda s, c: unit_work.first_contact(s, URBAN, d, Note(), c))
    do(
        at(11, 18, 11),
        lambda s, c: unit_work.ask_extension(s, URBAN, d, ExtensionRequest(days=3, reason="需协调"), c),
    )
    do(at(11, 18, 12), lambda s, c: decisions.decide_extension(s, SUPERVISOR, d, Decision(approve=True), c))
    do(at(11, 24, 9), lambda s, c: unit_work.reply(s, URBAN, d, reply, c))
    callback(d, at(11, 24, 14), Satisfaction.DISSATISFIED, False)

    e = j.dispatched(at(10, 30, 10))
    through_reply(e, at(10, 30, 11), at(10, 30, 12))

    f = j.create(at(11, 19, 9))
    do(
        at(11, 19, 9, 5),
        lambda s, c: acceptance.close_at_intake(s, SEAT, f, CloseAtIntakeInput(answer="已答复"), c),
    )
    g = j.create(at(11, 19, 9))
    do(at(11, 19, 9, 5), lambda s, c: acceptance.refuse(s, SEAT, g, RefuseInput(reason_code="litigation"), c))
    h = j.create(at(11, 25, 9))
    do(at(11, 25, 9, 5), lambda s, c: closing.merge(s, SEAT, h, MergeInput(into_ticket_no=d), c))
    assert j.status(d) == "dispatched"


def test_unit_kpis_match_the_hand_computed_figures(journey: Journey) -> None:
    build(journey)
    with journey.db.session() as s:
        rows = {r.unit_code: r for r in kpi.unit_kpis(s, START, END)}
    assert set(rows) == {"dept-urban", "dept-housing"}
    u = rows["dept-urban"]
    assert (u.assigned, u.responded_on_time, u.response_rate) == (5, 2, 0.4)
    assert (u.returned, u.return_rate) == (1, 0.2)
    assert (u.completed_on_time, u.on_time_rate) == (3, 0.75)
    assert (u.extended, u.extension_rate) == (1, 0.25)
    assert (u.callbacks, u.resolved, u.resolution_rate) == (3, 1, 0.3333)
    assert (u.satisfied, u.satisfaction_rate) == (2, 0.6667)
    h = rows["dept-housing"]
    assert (h.assigned, h.response_rate, h.on_time_rate, h.return_rate) == (1, 0.0, 0.0, 0.0)
    assert (h.callbacks, h.resolution_rate, h.satisfaction_rate) == (0, None, None)


def test_unit_filter_and_october(journey: Journey) -> None:
    build(journey)
    with journey.db.session() as s:
        only = kpi.unit_kpis(s, START, END, "dept-housing")
        october = kpi.unit_kpis(s, datetime(2026, 10, 1, tzinfo=TZ), START)
    assert [r.unit_code for r in only] == ["dept-housing"]
    assert [(r.unit_code, r.assigned, r.responded_on_time, r.completed_on_time) for r in october] == [
        ("dept-urban", 1, 1, 1)
    ]


def test_centre_direct_close_rate(journey: Journey) -> None:
    build(journey)
    with journey.db.session() as s:
        centre = kpi.centre_kpi(s, START, END)
    assert (centre.accepted, centre.closed_at_intake, centre.direct_close_rate) == (5, 1, 0.2)
    assert (centre.not_accepted, centre.dispatched) == (1, 4)


def test_csv_export(journey: Journey) -> None:
    build(journey)
    with journey.db.session() as s:
        text = kpi.to_csv(kpi.unit_kpis(s, START, END))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("单位代码,单位,派单数,按时响应数,响应率")
    urban = next(line for line in lines if line.startswith("dept-urban,"))
    assert urban == "dept-urban,市城市管理局,5,2,0.4,3,0.75,3,1,0.3333,2,0.6667,1,0.2,1,0.25"
    housing = next(line for line in lines if line.startswith("dept-housing,"))
    assert housing.endswith(",0,,0,,0,0.0,0,0.0")

"""One privacy policy for every view (issue 11, DOMAIN.md §9), per role and relation, on SQLite and
PostgreSQL: a 投诉 against 东城区 whose caller wrote every kind of personal data into the content,
the location, the notes and the reply; dispatched to 城管局 (lead), with 住建局 (an ordinary assisting
unit), 东城区 itself and its street office 和平里街道 (a sub-unit) assisting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from tests.integration.tickets import pii
from tests.integration.tickets.helpers import ADMIN, AUDITOR, HOUSING, SEAT, SUPERVISOR, T0, URBAN, Journey
from tickets import kpi, policy, queries, supervision, unit_events
from tickets.actions import acceptance, unit_work
from tickets.actors import Actor
from tickets.errors import Forbidden, NotFound
from tickets.models import AuditLog
from tickets.privacy_text import HIDDEN
from tickets.schemas import DispatchInput, Note, ReplyInput, TicketFilter
from tickets.vocab import Role

DONGCHENG = Actor("unit-d-dongcheng", Role.UNIT_HANDLER, "d-dongcheng")
HEPINGLI = Actor("unit-s-dc-hepingli", Role.UNIT_HANDLER, "s-dc-hepingli")  # under 东城区
JIANGUO = Actor("unit-s-dc-jianguo", Role.UNIT_HANDLER, "s-dc-jianguo")  # under 东城区, not assigned
WATER = Actor("unit-u-water", Role.UNIT_HANDLER, "u-water")
ENV = Actor("unit-dept-env", Role.UNIT_HANDLER, "dept-env")


def complaint(journey: Journey) -> str:
    no = journey.create(**pii.intake(complained_unit_code="d-dongcheng"))
    ctx = journey.ctx(T0)
    assists = ["dept-housing", "d-dongcheng", "s-dc-hepingli"]
    with journey.db.session() as s:
        acceptance.dispatch(
            s,
            SEAT,
            no,
            DispatchInput(lead_unit_code="dept-urban", assist_unit_codes=assists, note=pii.NOTE),
            ctx,
        )
    step = timedelta(minutes=10)
    with journey.db.session() as s:
        unit_work.sign(s, URBAN, no, Note(), journey.ctx(T0 + step))
        unit_work.first_contact(s, URBAN, no, Note(note=pii.NOTE), journey.ctx(T0 + 2 * step))
        unit_work.assist_note(s, HOUSING, no, Note(note=pii.NOTE), journey.ctx(T0 + 2 * step))
        unit_work.reply(
            s,
            URBAN,
            no,
            ReplyInput(text=pii.REPLY, responsible_person="李四", head_signoff="王五"),
            journey.ctx(T0 + 3 * step),
        )
    return no


def views(journey: Journey, actor: Actor, no: str) -> tuple[policy.TicketDetail, list[policy.EventView]]:
    ctx = journey.ctx(T0 + timedelta(hours=1))
    with journey.db.session() as s:
        return queries.detail(s, actor, no, ctx), queries.events(s, actor, no, ctx)


def listed(journey: Journey, actor: Actor) -> list[policy.TicketSummary]:
    with journey.db.session() as s:
        return queries.list_tickets(s, actor, TicketFilter(), journey.ctx(T0 + timedelta(hours=1)))


def test_the_unit_complained_about_and_its_sub_unit_see_hidden_identity_and_hidden_text(
    journey: Journey,
) -> None:
    no = complaint(journey)
    for unit in (DONGCHENG, HEPINGLI):
        detail, events = views(journey, unit, no)
        assert (detail.relation, detail.identity_hidden) == ("complained", True), unit
        assert (detail.citizen_name, detail.citizen_phone, detail.citizen_address) == (HIDDEN,) * 3
        # Not the data, not even the masked surname or last four digits, in any field or note.
        assert pii.found(detail, pii.VALUES + pii.HINTS) == [], unit
        assert pii.found(events, pii.VALUES + pii.HINTS) == [], unit
        assert len(events) == 6 and any(HIDDEN in e.note for e in events)
        # The title is derived from the hidden content, never the raw first 30 characters.
        assert detail.title == "(已隐去)投诉:抄表员态度恶劣"
        # What the unit needs to act stays: the matter, the category, the street, the deadlines.
        assert "抄表员态度恶劣" in detail.content and detail.category_code == "urban.water"
        assert detail.location is not None and detail.location.startswith("东城区和平里北街")
        assert detail.complete_due is not None and detail.response_due is not None
        (row,) = listed(journey, unit)
        # Lists too: (已隐去), not the masked surname of the other readers' lists.
        assert (row.citizen_name, row.citizen_phone) == (HIDDEN, HIDDEN)
        assert pii.found(row, pii.VALUES + pii.HINTS) == []


def test_the_lead_unit_and_the_centre_see_the_citizen_and_lists_are_masked(journey: Journey) -> None:
    no = complaint(journey)
    for actor in (URBAN, SEAT, SUPERVISOR):
        detail, events = views(journey, actor, no)
        assert (detail.citizen_name, detail.citizen_phone, detail.citizen_address) == (
            pii.NAME,
            pii.MOBILE,
            pii.ADDRESS,
        )
        assert detail.content == pii.CONTENT and detail.reply_text == pii.REPLY
        assert any(e.note == pii.NOTE for e in events)
        (row,) = listed(journey, actor)
        assert (row.citizen_name, row.citizen_phone) == ("王**", "139****5678")
        assert pii.found(row, pii.VALUES) == [], actor
    assert views(journey, URBAN, no)[0].relation == "lead"
    with journey.db.session() as s:
        reads = s.exec(select(AuditLog.actor, AuditLog.action).order_by(col(AuditLog.id))).all()
    # DOMAIN.md §9: every full read is audited, the history's notes with personal data too.
    for actor in (URBAN, SEAT, SUPERVISOR):
        assert (actor.username, "read_ticket") in reads and (actor.username, "read_events") in reads


@pytest.mark.parametrize("actor", [HOUSING, AUDITOR, ADMIN], ids=["assisting unit", "auditor", "admin"])
def test_assisting_units_auditors_and_admins_see_masked_data(journey: Journey, actor: Actor) -> None:
    no = complaint(journey)
    detail, events = views(journey, actor, no)
    assert (detail.citizen_name, detail.citizen_phone) == ("王**", "139****5678")
    assert detail.citizen_address == "东城区和平里北街***"
    assert pii.found(detail, pii.VALUES) == [] and pii.found(events, pii.VALUES) == []
    assert detail.title == "王**投诉:抄表员态度恶劣" and not detail.identity_hidden
    assert "邮箱w***@example.com" in detail.content
    (row,) = listed(journey, actor)
    assert pii.found(row, pii.VALUES) == []
    with journey.db.session() as s:
        # A masked read is no read of personal data: nothing audited for this reader.
        assert s.exec(select(AuditLog).where(AuditLog.actor == actor.username)).all() == []


def test_units_without_a_relation_get_404_even_under_the_complained_unit(journey: Journey) -> None:
    no = complaint(journey)
    ctx = journey.ctx(T0 + timedelta(hours=1))
    for unit in (ENV, JIANGUO, WATER):
        for read in (queries.detail, lambda s, a, n, c: queries.events(s, a, n, c)):
            with journey.db.session() as s, pytest.raises(NotFound, match=f"^工单不存在:{no}$"):
                read(s, unit, no, ctx)
        assert listed(journey, unit) == []


def test_phone_search_never_returns_a_ticket_hiding_its_caller(journey: Journey) -> None:
    # 自来水公司 leads a complaint about itself and an ordinary help request of the same caller.
    hidden = journey.dispatched(unit="u-water", **pii.intake(complained_unit_code="u-water"))
    ordinary = journey.dispatched(unit="u-water", **pii.intake(type="求助", complained_unit_code=None))
    ctx = journey.ctx(T0)
    by_phone = TicketFilter(phone=pii.MOBILE)
    with journey.db.session() as s:
        assert [t.ticket_no for t in queries.list_tickets(s, WATER, by_phone, ctx)] == [ordinary]
        assert {t.ticket_no for t in queries.list_tickets(s, SEAT, by_phone, ctx)} == {hidden, ordinary}
        # The hidden one is still in the unit's list, with the caller hidden.
        rows = {t.ticket_no: t for t in queries.list_tickets(s, WATER, TicketFilter(), ctx)}
        assert rows[hidden].citizen_phone == HIDDEN and rows[ordinary].citizen_phone == "139****5678"
    no = complaint(journey)
    with journey.db.session() as s:
        assert no in {t.ticket_no for t in queries.list_tickets(s, URBAN, by_phone, ctx)}
        # Units search only among their own lead tickets that do not hide the caller from them: the
        # assisting unit and the complained-about unit (assisting here) find nothing.
        for unit in (HOUSING, DONGCHENG, HEPINGLI):
            assert queries.list_tickets(s, unit, by_phone, ctx) == [], unit
    for actor in (AUDITOR, ADMIN):  # masked by default: no search by number at all
        with journey.db.session() as s, pytest.raises(Forbidden, match=r"^无权按来电号码查询$"):
            queries.list_tickets(s, actor, by_phone, ctx)


def test_portal_board_and_unit_deltas_go_through_the_policy(journey: Journey) -> None:
    no = complaint(journey)
    now = T0 + timedelta(hours=1)
    with journey.db.session() as s:
        rows = queries.find_tickets(s, DONGCHENG, TicketFilter(), journey.ctx(now))
        portal = policy.portal_items(s, policy.viewer_for(s, DONGCHENG), rows, now, lambda _due: 3)
        assert [(p.ticket_no, p.citizen_name, p.working_days_left) for p in portal] == [(no, HIDDEN, 3)]
        assert pii.found(portal, pii.VALUES + pii.HINTS) == []
    working = journey.dispatched(**pii.intake(complained_unit_code="d-dongcheng"))  # a replied one is off it
    with journey.db.session() as s:
        board = supervision.due_board(s, policy.viewer_for(s, SUPERVISOR), now, timedelta(days=30))
        assert [(i.ticket_no, i.title) for b in board for i in b.due_soon + b.overdue] == [
            (working, "王**投诉:抄表员态度恶劣")
        ]
        assert pii.found(board, pii.VALUES) == []  # a wall screen: masked for everyone
        deltas = unit_events.collect(s, queries.load(s, no), now)
        assert {d.unit_code for d in deltas} == {"dept-urban", "dept-housing", "d-dongcheng", "s-dc-hepingli"}
        assert all(pii.found(d.message(), pii.VALUES + pii.HINTS) == [] for d in deltas)


def test_the_kpi_export_carries_no_ticket_text_nor_personal_data(journey: Journey) -> None:
    """Issue 11 item 7: the KPI CSV is aggregates per unit; a column with ticket text or personal
    data would have to come through the policy, so the columns are pinned here."""
    complaint(journey)
    with journey.db.session() as s:
        rows = kpi.unit_kpis(s, T0 - timedelta(days=1), T0 + timedelta(days=1))
    text = kpi.to_csv(rows)
    assert [r.unit_code for r in rows] == ["dept-urban"] and "市城市管理局" in text
    assert pii.found(text, pii.VALUES + pii.HINTS) == []
    counts = {
        name for name, field in kpi.UnitKpi.model_fields.items() if field.annotation in (int, float | None)
    }
    assert set(kpi.UnitKpi.model_fields) - counts == {"unit_code", "unit_name"}

"""Unit scoping, hidden complainants, masked lists and the audit log (DOMAIN.md §9)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.integration.tickets.helpers import AUDITOR, ENV, HOUSING, SEAT, SUPERVISOR, T0, URBAN, Journey
from tickets import disclosure, queries
from tickets.actions import acceptance, decisions, unit_work
from tickets.actors import Actor
from tickets.errors import Forbidden, NotFound
from tickets.models import AppendOnlyViolation, AuditLog
from tickets.privacy import HIDDEN
from tickets.schemas import DispatchInput, ReturnDecision, ReturnRequest, TicketFilter
from tickets.vocab import Role, TicketType

DONGCHENG = Actor("unit-d-dongcheng", Role.UNIT_HANDLER, "d-dongcheng")


def audit_rows(j: Journey) -> list[tuple[str, str, str]]:
    with j.db.session() as s:
        return [(a.actor, a.action, a.subject) for a in s.exec(select(AuditLog).order_by(AuditLog.id)).all()]  # type: ignore[arg-type]


def test_units_see_only_their_own_tickets(journey: Journey) -> None:
    mine = journey.dispatched(unit="dept-urban")
    theirs = journey.dispatched(unit="dept-env")
    ctx = journey.ctx(T0)
    with journey.db.session() as s:
        assert [t.ticket_no for t in queries.list_tickets(s, URBAN, TicketFilter(), ctx)] == [mine]
        assert [t.ticket_no for t in queries.list_tickets(s, ENV, TicketFilter(), ctx)] == [theirs]
        assert {t.ticket_no for t in queries.list_tickets(s, SEAT, TicketFilter(), ctx)} == {mine, theirs}
        assert queries.count_tickets(s, HOUSING) == 0
    # Issue 11: another unit's ticket answers like a missing one (was Forbidden: an existence oracle).
    with journey.db.session() as s, pytest.raises(NotFound, match=f"^工单不存在:{theirs}$"):
        queries.detail(s, URBAN, theirs, ctx)
    with journey.db.session() as s, pytest.raises(NotFound, match=f"^工单不存在:{theirs}$"):
        queries.events(s, URBAN, theirs, ctx)


def test_assisting_units_see_the_ticket_and_a_returned_unit_loses_it(journey: Journey) -> None:
    no = journey.create()
    with journey.db.session() as s:
        acceptance.dispatch(
            s,
            SEAT,
            no,
            DispatchInput(lead_unit_code="dept-urban", assist_unit_codes=["dept-env"]),
            journey.ctx(T0),
        )
    with journey.db.session() as s:
        assert queries.detail(s, ENV, no, journey.ctx(T0)).assist_unit_codes == ["dept-env"]
    # Re-dispatch after a return: the old units no longer see it.
    with journey.db.session() as s:
        unit_work.ask_return(s, URBAN, no, ReturnRequest(reason="非本单位"), journey.ctx(T0))
        decisions.decide_return(
            s,
            SUPERVISOR,
            no,
            ReturnDecision(approve=True, new_lead_unit_code="dept-housing"),
            journey.ctx(T0),
        )
    with journey.db.session() as s:
        assert queries.list_tickets(s, URBAN, TicketFilter(), journey.ctx(T0)) == []
        assert queries.list_tickets(s, ENV, TicketFilter(), journey.ctx(T0)) == []
        assert [t.ticket_no for t in queries.list_tickets(s, HOUSING, TicketFilter(), journey.ctx(T0))] == [
            no
        ]


def test_lists_are_masked_and_detail_reads_are_audited(journey: Journey) -> None:
    no = journey.dispatched()
    ctx = journey.ctx(T0)
    with journey.db.session() as s:
        row = queries.list_tickets(s, SEAT, TicketFilter(), ctx)[0]
        assert (row.citizen_name, row.citizen_phone) == ("张**", "138****5678")
    assert audit_rows(journey) == []
    with journey.db.session() as s:
        d = queries.detail(s, URBAN, no, ctx)
        assert (d.citizen_name, d.citizen_phone, d.citizen_address) == (
            "张三",
            "13812345678",
            "东城区和平里北街1号",
        )
    assert audit_rows(journey) == [("unit-dept-urban", "read_ticket", no)]
    with journey.db.session() as s:
        d = queries.detail(s, AUDITOR, no, ctx)  # auditors see masked data: no personal-data read
        assert (d.citizen_name, d.citizen_phone) == ("张**", "138****5678")
        # Masked by content (tickets.privacy_text): the citizen's own number goes whole, in any spacing.
        assert "13812345678" not in d.content and d.content.endswith("联系电话***")
        queries.list_tickets(s, SEAT, TicketFilter(phone="13812345678"), ctx)
    assert audit_rows(journey)[-1] == ("seat1001", "search_by_phone", "13812345678")
    with journey.db.session() as s, pytest.raises(Forbidden):
        queries.list_tickets(s, AUDITOR, TicketFilter(phone="13812345678"), ctx)


def test_complainant_is_hidden_from_the_unit_complained_about(journey: Journey) -> None:
    no = journey.dispatched(unit="d-dongcheng", type=TicketType.COMPLAINT, complained_unit_code="d-dongcheng")
    ctx = journey.ctx(T0)
    with journey.db.session() as s:
        d = queries.detail(s, DONGCHENG, no, ctx)
        assert d.identity_hidden
        assert (d.citizen_name, d.citizen_phone, d.citizen_address) == (HIDDEN, HIDDEN, HIDDEN)
        assert "13812345678" not in d.content
        assert all("13812345678" not in e.note for e in queries.events(s, DONGCHENG, no, ctx))
        seat_view = queries.detail(s, SEAT, no, ctx)
        assert not seat_view.identity_hidden and seat_view.citizen_phone == "13812345678"
    # The hidden read is not a read of personal data; the seat's is.
    assert audit_rows(journey) == [("seat1001", "read_ticket", no)]


def test_audit_log_is_append_only(journey: Journey) -> None:
    no = journey.dispatched()
    with journey.db.session() as s:
        queries.detail(s, SEAT, no, journey.ctx(T0))
    with pytest.raises(AppendOnlyViolation), journey.db.session() as s:
        row = s.exec(select(AuditLog)).one()
        row.note = "tampered"
        s.add(row)
        s.flush()
    with pytest.raises(AppendOnlyViolation), journey.db.session() as s:
        s.delete(s.exec(select(AuditLog)).one())
        s.flush()
    with journey.db.session() as s:
        assert [e.note for e in disclosure.audit_entries(s)] == [""]


def test_public_disclosure_needs_consent_and_masks(journey: Journey) -> None:
    consented = journey.closed(consent_disclosure=True)
    journey.closed(consent_disclosure=False)
    journey.replied(consent_disclosure=True)  # not closed yet
    with journey.db.session() as s:
        items = disclosure.public_list(s)
    assert [i.ticket_no for i in items] == [consented]
    item = items[0]
    assert (item.citizen, item.handler, item.unit) == ("张**", "李**", "市城市管理局")
    assert "13812345678" not in item.content and item.content.endswith("联系电话***")

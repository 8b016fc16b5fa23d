"""The ticket views are derived from the table: shared fields copied, only computed ones by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tickets import views
from tickets.models import Ticket
from tickets.schemas import TicketDetail, TicketSummary
from tickets.vocab import Channel, Status, TicketType, Urgency

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def _ticket() -> Ticket:
    return Ticket(
        id=7,
        ticket_no="12345-20261118-000007",
        channel=Channel.WECHAT,
        type=TicketType.COMPLAINT,
        urgency=Urgency.URGENT,
        status=Status.SIGNED,
        category_code="urban.streetlight",
        title="路灯不亮",
        content="路灯不亮,电话13812345678",
        location="和平里",
        citizen_name="张三",
        citizen_phone="13812345678",
        citizen_address="东城区和平里北街1号",
        complained_unit_code="dept-env",
        lead_unit_code="dept-urban",
        created_by="seat1001",
        created_at=NOW - timedelta(days=3),
        updated_at=NOW - timedelta(days=1),
        dispatched_at=NOW - timedelta(days=2),
        signed_at=NOW - timedelta(days=1),
        complete_due=NOW - timedelta(hours=1),
        reply_text="已修复",
        extension_days=2,
        supervision_level=2,
        priority=100,
        leader_instruction="副市长:请抓紧",
        callback_count=1,
        reopen_count=1,
        merged_into=None,
    )


def test_every_view_field_is_a_column_or_computed_here() -> None:
    columns = set(Ticket.model_fields)
    assert set(TicketSummary.model_fields) - columns == views.SUMMARY_COMPUTED - columns
    assert set(TicketDetail.model_fields) - columns == views.DETAIL_COMPUTED - columns
    assert views.SUMMARY_COMPUTED <= set(TicketSummary.model_fields)
    assert views.DETAIL_COMPUTED <= set(TicketDetail.model_fields)


def test_summary_copies_the_row_and_computes_the_rest() -> None:
    ticket = _ticket()
    view = views.summary(ticket, NOW)
    for name in set(TicketSummary.model_fields) - views.SUMMARY_COMPUTED:
        assert getattr(view, name) == getattr(ticket, name), name
    assert (view.status_label, view.overdue) == ("已签收", True)
    assert (view.citizen_name, view.citizen_phone) == ("张**", "138****5678")
    assert views.summary(ticket, NOW - timedelta(hours=2)).overdue is False


def test_detail_copies_the_row_and_shows_personal_data_as_decided() -> None:
    ticket = _ticket()
    shown = views.Shown("甲", "乙", "丙", "丁", identity_hidden=True)
    view = views.detail(
        ticket, NOW, shown, assist_unit_codes=["dept-env"], linked_calls=["1.1"], allowed_actions=["reply"]
    )
    copied = set(TicketDetail.model_fields) - views.DETAIL_COMPUTED
    assert {"reply_text", "extension_days", "leader_instruction", "signed_at", "location"} <= copied
    for name in copied:
        assert getattr(view, name) == getattr(ticket, name), name
    assert (view.citizen_name, view.citizen_phone, view.citizen_address, view.content) == (
        "甲",
        "乙",
        "丙",
        "丁",
    )
    assert view.identity_hidden is True
    assert (view.assist_unit_codes, view.linked_calls, view.allowed_actions) == (
        ["dept-env"],
        ["1.1"],
        ["reply"],
    )
    assert (view.status_label, view.overdue) == ("已签收", True)

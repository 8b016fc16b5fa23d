from __future__ import annotations

import pytest

from tickets.actors import Actor
from tickets.models import Ticket
from tickets.privacy import identity_hidden, mask_address, mask_name, mask_phone, mask_text
from tickets.vocab import Role, TicketType


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张**"), ("欧阳娜娜", "欧**"), (" 李 ", "李**"), ("", ""), (None, None)]
)
def test_names_keep_only_the_surname(name: str | None, masked: str | None) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("057112345678", "057****5678"), ("12345", "***45"), (None, None)],
)
def test_phones_are_masked(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


def test_addresses_and_numbers_inside_text_are_masked() -> None:
    assert mask_address("东城区和平里北街1号院3单元") == "东城区和平里****"
    assert (
        mask_text("请回电13812345678或13900001111,座机010-1234")
        == "请回电138****5678或139****1111,座机010-1234"
    )
    # Longer digit runs (an ID number) are not mistaken for a mobile number.
    assert mask_text("身份证110101199001011234") == "身份证110101199001011234"


def _ticket(kind: TicketType, against: str | None) -> Ticket:
    return Ticket(
        ticket_no="x",
        channel="phone",
        type=kind,
        urgency="一般",
        status="dispatched",
        created_by="t",
        complained_unit_code=against,
        created_at=None,
        updated_at=None,
    )  # type: ignore[arg-type]


def test_complainant_identity_is_hidden_only_from_the_unit_complained_about() -> None:
    target = Actor("unit-d", Role.UNIT_HANDLER, "d-dongcheng")
    other = Actor("unit-h", Role.UNIT_HANDLER, "dept-housing")
    seat = Actor("seat1001", Role.SEAT, "centre")
    assert identity_hidden(target, _ticket(TicketType.COMPLAINT, "d-dongcheng"))
    assert identity_hidden(target, _ticket(TicketType.REPORT, "d-dongcheng"))
    assert not identity_hidden(other, _ticket(TicketType.COMPLAINT, "d-dongcheng"))
    assert not identity_hidden(seat, _ticket(TicketType.COMPLAINT, "d-dongcheng"))
    assert not identity_hidden(target, _ticket(TicketType.HELP, "d-dongcheng"))
    assert not identity_hidden(target, _ticket(TicketType.COMPLAINT, None))

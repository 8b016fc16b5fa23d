"""A level applied to one field (tickets.policy.shown): identity, free text, the place, the title."""

from __future__ import annotations

import pytest

from tests.integration.tickets import pii
from tickets.models import Ticket
from tickets.policy import Level, shown
from tickets.privacy_text import HIDDEN, derive_title


def _ticket(content: str = pii.CONTENT, title: str | None = None) -> Ticket:
    return Ticket(
        ticket_no="12345-20261118-000001",
        channel="web",
        type="投诉",
        urgency="一般",
        status="registered",
        created_by="seat1001",
        title=content[:30] if title is None else title,
        content=content,
        location=pii.LOCATION,
        citizen_name=pii.NAME,
        citizen_phone=pii.MOBILE,
        citizen_address=pii.ADDRESS,
        created_at=None,
        updated_at=None,
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (Level.FULL, (pii.NAME, pii.MOBILE, pii.ADDRESS)),
        (Level.MASKED, ("王**", "139****5678", "东城区和平里北街***")),
        (Level.HIDDEN, (HIDDEN, HIDDEN, HIDDEN)),
    ],
)
def test_identity_fields_at_each_level(level: Level, expected: tuple[str, str, str]) -> None:
    assert (
        shown.name(level, pii.NAME),
        shown.phone(level, pii.MOBILE),
        shown.address(level, pii.ADDRESS),
    ) == expected
    assert (shown.name(level, None), shown.phone(level, ""), shown.address(level, None)) == (None, "", None)


def test_the_place_keeps_its_street_even_for_the_unit_complained_about() -> None:
    ticket = _ticket()
    assert shown.place(ticket, ticket.location, Level.FULL) == pii.LOCATION
    assert shown.place(ticket, ticket.location, Level.MASKED) == "东城区和平里北街***门口"
    assert shown.place(ticket, ticket.location, Level.HIDDEN) == "东城区和平里北街(已隐去)门口"
    # As free text the citizen's known address goes whole when hidden.
    assert shown.text(ticket, ticket.location, Level.HIDDEN) == "(已隐去)门口"


def test_full_text_is_the_value_and_its_kinds_are_still_found_for_the_audit_log() -> None:
    ticket = _ticket()
    assert shown.text(ticket, pii.NOTE, Level.FULL) == pii.NOTE
    assert shown.kinds(ticket, [pii.CONTENT, None]) >= {"name", "mobile", "id_number", "bank_card", "email"}
    assert shown.kinds(ticket, ["路灯不亮"]) == frozenset()


@pytest.mark.parametrize(
    "content",
    [
        pii.CONTENT,
        pii.CONTENT + "另外," * 200 + pii.CONTENT,  # long: derived from its head only
        "无句号" + pii.CONTENT.replace("。", ",") * 5,  # no sentence end within the head
        "路灯不亮",
    ],
)
@pytest.mark.parametrize("level", [Level.MASKED, Level.HIDDEN])
def test_titles_from_the_head_of_the_content_equal_titles_from_all_of_it(content: str, level: Level) -> None:
    whole = derive_title(
        content,
        citizen_name=pii.NAME,
        citizen_phone=pii.MOBILE,
        citizen_address=pii.ADDRESS,
        level="hidden" if level == Level.HIDDEN else "masked",
    )
    assert shown.title(_ticket(content), level) == whole
    assert pii.NAME not in whole and pii.MOBILE not in whole


def test_a_seat_written_title_is_masked_by_content_not_replaced() -> None:
    ticket = _ticket(title=f"{pii.NAME}反映抄表员态度差")
    assert shown.title(ticket, Level.FULL) == f"{pii.NAME}反映抄表员态度差"
    assert shown.title(ticket, Level.MASKED) == "王**反映抄表员态度差"
    assert shown.title(ticket, Level.HIDDEN) == "(已隐去)反映抄表员态度差"

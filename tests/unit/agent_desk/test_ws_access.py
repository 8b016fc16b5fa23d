"""Who may watch which topic and send which command (DOMAIN.md §9)."""

from __future__ import annotations

import pytest

from agent_desk.ws.access import Principal, may_command, may_subscribe

SEAT = Principal(username="seat1001", role="seat", extension="1001")
SEAT_WITHOUT_PHONE = Principal(username="seat9", role="seat")
SUPERVISOR = Principal(username="supervisor", role="supervisor")
UNIT = Principal(username="unit-u-water", role="unit_handler", unit_codes=frozenset({"u-water"}))
AUDITOR = Principal(username="auditor", role="auditor")
ADMIN = Principal(username="admin", role="admin")


@pytest.mark.parametrize(
    ("who", "topic", "allowed"),
    [
        (SEAT, "seat:1001", True),
        (SEAT, "seat:1002", False),
        (SEAT, "wallboard", False),
        (SEAT_WITHOUT_PHONE, "seat:", False),
        (SUPERVISOR, "wallboard", True),
        (SUPERVISOR, "seat:1003", True),
        (SUPERVISOR, "anything", False),
        (UNIT, "wallboard", False),
        (AUDITOR, "wallboard", False),
        # The unit portal's topic: its own unit's handlers, and the centre's supervisors.
        (UNIT, "unit:u-water", True),
        (UNIT, "unit:u-power", False),
        (UNIT, "unit:", False),
        (UNIT, "seat:1001", False),
        (Principal(username="h", role="unit_handler"), "unit:", False),
        (SEAT, "unit:u-water", False),
        (AUDITOR, "unit:u-water", False),
        (SUPERVISOR, "unit:u-water", True),
        (ADMIN, "unit:u-power", True),
        # Admins watch the wallboard (numbers masked) but no seat's desk: it shows the caller's number.
        (ADMIN, "wallboard", True),
        (ADMIN, "seat:1001", False),
    ],
)
def test_topics(who: Principal, topic: str, allowed: bool) -> None:
    assert may_subscribe(who, topic) is allowed


@pytest.mark.parametrize(
    ("who", "name", "args", "allowed"),
    [
        (SEAT, "ready", {"seat": "1001"}, True),
        (SEAT, "ready", {"seat": "1002"}, False),
        (SEAT, "ready", {}, False),
        (SEAT, "spy", {"seat": "1001", "mode": "listen"}, False),
        (SEAT, "reboot", {"seat": "1001"}, False),
        (SUPERVISOR, "spy", {"seat": "1001", "mode": "barge"}, True),
        (SUPERVISOR, "not_ready", {"seat": "1002", "reason": "培训"}, True),
        (UNIT, "ready", {"seat": "1001"}, False),
        (AUDITOR, "spy", {"seat": "1001"}, False),
        # Hold / resume: the seat on its own line only.
        (SEAT, "hold", {"seat": "1001", "linkedid": "L1"}, True),
        (SEAT, "resume", {"seat": "1001", "linkedid": "L1"}, True),
        (SEAT, "hold", {"seat": "1002", "linkedid": "L1"}, False),
        (SEAT, "resume", {"linkedid": "L1"}, False),
        (SEAT_WITHOUT_PHONE, "hold", {"seat": "", "linkedid": "L1"}, False),
        (UNIT, "hold", {"seat": "1001", "linkedid": "L1"}, False),
        (AUDITOR, "resume", {"seat": "1001", "linkedid": "L1"}, False),
        # Others' calls: supervisors listen, whisper, barge and hang up; admins change nothing live.
        (SUPERVISOR, "hangup", {"seat": "1002"}, True),
        (SEAT, "hangup", {"seat": "1001"}, True),
        (SEAT, "hangup", {"seat": "1002"}, False),
        (ADMIN, "spy", {"supervisor": "1003", "seat": "1001", "mode": "listen"}, False),
        (ADMIN, "spy", {"seat": "1001", "mode": "barge"}, False),
        (ADMIN, "hangup", {"seat": "1001"}, False),
        (ADMIN, "ready", {"seat": "1001"}, False),
        (ADMIN, "not_ready", {"seat": "1002", "reason": "培训"}, False),
    ],
)
def test_commands(who: Principal, name: str, args: dict[str, object], allowed: bool) -> None:
    assert may_command(who, name, args) is allowed

"""The backend's AMI user: exactly the classes its actions and events need (least privilege)."""

from __future__ import annotations

import json
import re
from itertools import combinations
from pathlib import Path

import pytest

from asterisk_conf import ami

REPO = Path(__file__).resolve().parents[3]


def test_write_classes_authorise_every_backend_action() -> None:
    granted = ami.write_classes()
    assert granted == ("system", "call", "agent", "reporting", "originate")
    for action in ami.BACKEND_ACTIONS:
        assert ami.authorised(action, granted), action


def test_no_smaller_set_of_write_classes_would_do() -> None:
    granted = ami.write_classes()
    for size in range(len(granted)):
        for subset in combinations(ami.CLASSES, size):
            assert not all(ami.authorised(a, subset) for a in ami.BACKEND_ACTIONS), subset


@pytest.mark.parametrize(
    ("dropped", "action"),
    [
        ("system", "MixMonitor"),
        ("system", "Filter"),
        ("call", "Redirect"),
        ("call", "Bridge"),  # hold / resume
        ("call", "Setvar"),
        ("agent", "QueuePause"),
        ("originate", "Originate"),
        ("reporting", "ConfbridgeList"),
    ],
)
def test_each_write_class_is_needed_by_an_action(dropped: str, action: str) -> None:
    rest = [c for c in ami.write_classes() if c != dropped]
    assert not ami.authorised(action, rest)


def test_read_classes_deliver_the_backend_events_and_leave_the_noise_out() -> None:
    granted = ami.read_classes()
    assert granted == ("system", "call", "agent", "cdr", "dialplan")
    for event in ami.BACKEND_EVENTS:
        assert ami.receives(event, granted), event
    for noise in ("RTCPSent", "RTCPReceived", "AGIExecStart", "DTMFEnd", "SuccessfulAuth"):
        assert not ami.receives(noise, granted), noise


def test_unknown_actions_and_events_are_refused_not_guessed() -> None:
    with pytest.raises(ami.UnknownAction):
        ami.write_classes([*ami.BACKEND_ACTIONS, "Command"])
    with pytest.raises(KeyError):
        ami.read_classes(["NoSuchEvent"])


def test_actions_and_events_are_the_ones_the_recorded_asterisk_used(captures: Path) -> None:
    """Names come from the captures of a real 22.10.1, never from memory."""
    events: set[str] = set()
    actions: set[str] = set()
    for path in captures.glob("*/ami.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            msg = json.loads(line)
            found = re.search(r"^(Event|Action): (\S+)", msg["raw"], re.M)
            if found:
                (events if found[1] == "Event" else actions).add(found[2])
    # The rest are documented Asterisk 22 events the scenarios happened not to produce.
    assert set(ami.BACKEND_EVENTS) - events == {"Reload", "Shutdown", "AgentDump", "MixMonitorStop"}
    assert actions <= set(ami.ACTION_CLASSES) | {"NoSuchAction"}, actions - set(ami.ACTION_CLASSES)


def test_call_control_sends_only_actions_the_user_may_send() -> None:
    """Whatever callflow/ builds must be covered, or the backend would get `Permission denied`."""
    sources = list((REPO / "callflow").rglob("*.py"))
    built = {
        name
        for path in sources
        for name in re.findall(r'"Action":\s*"([A-Za-z]+)"', path.read_text(encoding="utf-8"))
    }
    for action in sorted(built):
        assert action in ami.ACTION_CLASSES, f"callflow sends {action}: add its class to asterisk_conf/ami.py"
        assert ami.authorised(action, ami.write_classes()), action

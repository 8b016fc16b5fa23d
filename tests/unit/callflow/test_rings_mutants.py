"""The three-ring rule (004 §11: 铃响三声必应答; DOMAIN.md §2) on a real AgentRingNoAnswer.

The state is the busy_minute capture fed up to its first AgentRingNoAnswer (seat 1003 ringing for
call 1795326674.26); each test then changes one thing and feeds that very event.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callflow.ami.protocol import AmiParser
from callflow.entities import Membership
from callflow.handlers import build_dispatcher
from callflow.live import LiveState, PauseSeat
from core.settings import CallRules, Settings

LINKEDID = "1795326674.26"
CALLER = "13935992786"
REASON = "未在三声内应答"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _blocks(captures: Path) -> tuple[list[bytes], bytes]:
    """The events before the first AgentRingNoAnswer, and that event."""
    before: list[bytes] = []
    for line in (captures / "busy_minute" / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] != "recv" or not entry["raw"].startswith("Event: "):
            continue
        for block in AmiParser().feed(entry["raw"].encode()):
            if block.startswith(b"Event: AgentRingNoAnswer"):
                return before, block
            before.append(block)
    raise AssertionError("busy_minute has no AgentRingNoAnswer")


class Scene:
    def __init__(self, captures: Path, settings: Settings, misses_before_pause: int = 1) -> None:
        settings = settings.model_copy(update={"calls": CallRules(misses_before_pause=misses_before_pause)})
        self.clock = Clock()
        self.state = LiveState(settings, self.clock)
        self.dispatcher = build_dispatcher(self.state)
        before, self.miss = _blocks(captures)
        for block in before:
            self.dispatcher.dispatch_raw(block)
        self.state.effects.clear()
        self.state.drain()

    def feed(self, block: bytes | None = None) -> None:
        self.dispatcher.dispatch_raw(block if block is not None else self.miss)
        assert self.dispatcher.stats.handler_errors == 0

    def pauses(self) -> list[PauseSeat]:
        return [e for e in self.state.effects if isinstance(e, PauseSeat)]


@pytest.fixture
def scene(captures: Path, settings: Settings) -> Scene:
    return Scene(captures, settings)


def test_the_capture_has_seat_1003_ringing_before_the_miss(scene: Scene) -> None:
    seat = scene.state.seats["1003"]
    assert (seat.state, seat.ringing) == ("ringing", LINKEDID)
    assert "1003" in scene.state.calls[LINKEDID].ringing_seats


def test_after_a_missed_ring_the_seat_no_longer_rings_that_call(captures: Path, settings: Settings) -> None:
    scene = Scene(captures, settings, misses_before_pause=2)
    scene.feed()
    seat = scene.state.seats["1003"]
    assert seat.ringing is None and seat.caller is None
    assert seat.state == "ready"
    view = scene.state.seat_view(seat)
    assert view.linkedid is None and view.caller is None
    call = scene.state.calls[LINKEDID]
    assert "1003" not in call.ringing_seats
    assert [(m.seat, m.queue, m.ring_ms) for m in call.rings_missed] == [("1003", "q-general", 15000)]


def test_a_miss_of_another_call_leaves_the_seat_ringing_the_new_one(
    captures: Path, settings: Settings
) -> None:
    scene = Scene(captures, settings, misses_before_pause=2)
    seat = scene.state.seats["1003"]
    seat.ringing, seat.caller = "1795326999.90", "13900000000"
    scene.feed()
    assert (seat.ringing, seat.caller) == ("1795326999.90", "13900000000")
    assert seat.state == "ringing"


def test_every_miss_is_counted_for_the_seat_the_queue_and_the_wallboard(scene: Scene) -> None:
    scene.feed()
    state = scene.state
    assert state.seats["1003"].consecutive_misses == 1
    assert state.qstats("q-general").rings_missed == 1
    assert state.sstats("1003").rings_missed == 1
    changes = state.drain()
    ((day, miss),) = changes.misses
    assert day == "2026-11-22"
    assert (miss.seat, miss.queue, miss.linkedid, miss.caller, miss.ring_ms, miss.paused) == (
        "1003",
        "q-general",
        LINKEDID,
        CALLER,
        15000,
        True,
    )
    assert miss.at == scene.clock.now
    assert (
        "desk:1003",
        "ring_end",
        {"linkedid": LINKEDID, "reason": "missed", "ring_ms": 15000},
    ) in changes.deltas
    alerts = [d for t, op, d in changes.deltas if (t, op) == ("wallboard", "alert")]
    assert alerts == [
        {
            "kind": "three_ring_miss",
            "at": scene.clock.now.isoformat(),
            "seat": "1003",
            "queue": "q-general",
            "linkedid": LINKEDID,
            "ring_ms": 15000,
            "misses": 1,
            "paused": True,
        }
    ]


def test_the_seat_is_paused_at_exactly_the_configured_miss(captures: Path, settings: Settings) -> None:
    scene = Scene(captures, settings, misses_before_pause=3)
    scene.feed()
    scene.feed()
    assert scene.pauses() == []
    assert [m.paused for _, m in scene.state.drain().misses] == [False, False]
    scene.feed()
    assert scene.pauses() == [PauseSeat("1003", REASON)]
    assert [m.paused for _, m in scene.state.drain().misses] == [True]


def test_a_seat_already_paused_everywhere_is_not_paused_again(scene: Scene) -> None:
    seat = scene.state.seats["1003"]
    seat.memberships = {
        "q-general": Membership(paused=True, reason="小休"),
        "q-priority": Membership(paused=True),
    }
    scene.feed()
    assert scene.pauses() == []
    ((_, miss),) = scene.state.drain().misses
    assert miss.paused is False
    # Paused in one queue only, it still takes calls from the other: it is paused.
    seat.memberships["q-priority"].paused = False
    scene.feed()
    assert scene.pauses() == [PauseSeat("1003", REASON)]


def test_a_seat_without_known_queue_memberships_is_still_paused(scene: Scene) -> None:
    # The state may not know the memberships yet (before a resync): the miss still counts.
    scene.state.seats["1003"].memberships = {}
    scene.feed()
    assert scene.pauses() == [PauseSeat("1003", REASON)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"Interface: PJSIP/1003\r\n", b"Interface: Local/1003@from-seats/n\r\n"),
        (b"Interface: PJSIP/1003\r\n", b"Interface: PJSIP/\r\n"),
        (b"Queue: q-general\r\n", b"Queue: \r\n"),
    ],
)
def test_a_miss_from_no_seat_or_no_queue_changes_nothing(scene: Scene, old: bytes, new: bytes) -> None:
    assert old in scene.miss
    seats_before = set(scene.state.seats)
    misses_before = scene.state.seats["1003"].consecutive_misses
    scene.feed(scene.miss.replace(old, new))
    assert set(scene.state.seats) == seats_before
    assert scene.state.seats["1003"].consecutive_misses == misses_before
    assert scene.state.seats["1003"].ringing == LINKEDID
    assert scene.pauses() == []
    changes = scene.state.drain()
    assert changes.misses == () and changes.deltas == ()
    assert scene.state.calls[LINKEDID].rings_missed == []


def test_a_miss_of_a_call_the_state_does_not_know_still_counts_with_the_event_fields(scene: Scene) -> None:
    unknown = scene.miss.replace(LINKEDID.encode(), b"1795326000.1").replace(
        b"1795326677.27", b"1795326000.2"
    )
    scene.feed(unknown)
    ((_, miss),) = scene.state.drain().misses
    assert (miss.linkedid, miss.caller) == ("1795326000.1", CALLER)
    assert scene.state.calls[LINKEDID].rings_missed == []
    assert scene.state.seats["1003"].ringing == LINKEDID  # still ringing the call it was ringing


def test_the_seat_takes_the_name_the_queue_knows_it_by(scene: Scene) -> None:
    scene.feed(scene.miss.replace("MemberName: 坐席1003".encode(), "MemberName: 张三".encode()))
    assert scene.state.seats["1003"].name == "张三"
    # A seat the state had not seen yet (the AMI role restarted before its resync) is created named.
    del scene.state.seats["1003"]
    scene.feed()
    assert scene.state.seats["1003"].name == "坐席1003"


def test_the_call_is_found_by_the_callers_channel_when_the_linkedid_differs(scene: Scene) -> None:
    # The event's Linkedid is not the call's (e.g. the caller channel was bridged into another
    # call): its channel still names the call, whose miss it is.
    other = scene.miss.replace(b"Linkedid: " + LINKEDID.encode(), b"Linkedid: 1795326000.9")
    other = other.replace(b"CallerIDNum: " + CALLER.encode(), b"CallerIDNum: 12345")
    assert other.count(b"1795326000.9") == 2  # Linkedid and DestLinkedid
    scene.feed(other)
    call = scene.state.calls[LINKEDID]
    assert [m.seat for m in call.rings_missed] == ["1003"]
    seat = scene.state.seats["1003"]
    assert seat.ringing is None and seat.state == "ready"
    ((_, miss),) = scene.state.drain().misses
    # The call's own linkedid and caller, not the event's.
    assert (miss.linkedid, miss.caller) == (LINKEDID, CALLER)


def test_the_call_is_found_by_its_linkedid_when_the_channel_is_unknown(scene: Scene) -> None:
    scene.feed(scene.miss.replace(b"Uniqueid: " + LINKEDID.encode(), b"Uniqueid: 1795326000.8"))
    assert [m.seat for m in scene.state.calls[LINKEDID].rings_missed] == ["1003"]
    assert scene.state.seats["1003"].ringing is None


def test_a_seat_ringing_a_call_the_state_lost_stops_ringing_on_its_miss(scene: Scene) -> None:
    seat = scene.state.seats["1003"]
    seat.ringing, seat.caller = "1795326000.1", "13900000000"
    lost = scene.miss.replace(LINKEDID.encode(), b"1795326000.1").replace(b"1795326677.27", b"1795326000.2")
    scene.feed(lost)
    assert seat.ringing is None and seat.caller is None and seat.state == "ready"

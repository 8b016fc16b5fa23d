"""LiveState owns its change tracking: `drain()` hands over what changed once, and the figures of
earlier days leave the state at a day's rollover (injected clock)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import callflow
from callflow.call import Call
from callflow.live import LiveState
from callflow.views import RingMissView
from core.settings import Settings

# 2026-11-22 23:59 in Asia/Shanghai.
LATE = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _call() -> Call:
    return Call(
        linkedid="1.0", uniqueid="1.0", channel="PJSIP/world-00000000", caller="138", caller_name=None,
        did="12345", started_at=LATE,
    )  # fmt: skip


def _miss(at: datetime) -> RingMissView:
    return RingMissView(
        seat="1001", queue="q-general", linkedid="1.0", caller="138", ring_ms=15000, at=at, paused=False
    )


def test_drain_hands_over_each_change_once(settings: Settings) -> None:
    state = LiveState(settings, Clock(LATE))
    first = state.drain()
    assert first.full and first.empty and state.full_rewrite  # a new state is written whole
    state.rewrite_done()
    call = _call()
    state.calls[call.linkedid] = call
    state.touch_call(call)
    state.touch_queue("q-general")
    state.refresh_seat(state.seat("1001"))
    state.qstats("q-general").offered += 1
    state.sstats("1001").rings_offered += 1
    state.mark_miss(_miss(LATE))
    state.delta("wallboard", "alert", {"kind": "x"})
    before = state.version
    changes = state.drain()
    assert changes.version == before and not changes.full and not changes.empty
    assert (changes.calls, changes.queues, changes.seats) == (
        frozenset({"1.0"}),
        frozenset({"q-general"}),
        frozenset({"1001"}),
    )
    assert [q.offered for q in changes.queue_stats] == [1]
    assert [s.rings_offered for s in changes.seat_stats] == [1]
    assert [(day, m.seat) for day, m in changes.misses] == [("2026-11-22", "1001")]
    assert changes.deltas == (("wallboard", "alert", {"kind": "x"}),) and state.deltas == ()
    assert state.drain().empty


def test_an_ended_call_leaves_the_projection_instead_of_being_written(settings: Settings) -> None:
    state = LiveState(settings, Clock(LATE))
    state.drain()
    call = _call()
    state.touch_call(call)
    state.mark_call_ended(call.linkedid)
    changes = state.drain()
    assert (changes.calls, changes.ended) == (frozenset(), frozenset({"1.0"}))


def test_a_full_rewrite_stays_asked_for_until_it_is_done(settings: Settings) -> None:
    state = LiveState(settings, Clock(LATE))
    state.rewrite_done()
    state.mark_full_rewrite()
    assert state.drain().full and state.drain().full
    state.rewrite_done()
    assert not state.drain().full and not state.full_rewrite


def test_figures_of_earlier_days_are_dropped_at_rollover(settings: Settings) -> None:
    clock = Clock(LATE)
    state = LiveState(settings, clock)
    state.qstats("q-general").offered += 1
    state.sstats("1001").answered += 1
    state.drain()
    # The last call of the day is counted after the last drain of the day.
    state.qstats("q-general").answered += 1
    clock.now = LATE + timedelta(minutes=2)  # 00:01 the next day
    state.qstats("q-general").offered += 1
    at_rollover = state.drain()
    # Yesterday's last change is still handed over once, with today's first one...
    assert sorted((q.day, q.offered, q.answered) for q in at_rollover.queue_stats) == [
        ("2026-11-22", 1, 1),
        ("2026-11-23", 1, 0),
    ]
    assert at_rollover.day == "2026-11-23"
    # ...and yesterday is gone from the state: nothing of it is written again.
    assert set(state.queue_stats) == {("2026-11-23", "q-general")}
    assert state.seat_stats == {}
    state.mark_full_rewrite()
    assert [q.day for q in state.drain().queue_stats] == []
    assert state.seat_view(state.seat("1001")).calls_today == 0


def test_nobody_but_the_state_touches_its_change_tracking() -> None:
    root = Path(callflow.__file__).parent
    private = re.compile(r"\bstate\._[a-z]")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "live.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if private.search(line)
    ]
    assert offenders == []

"""Hold / resume in the live state: answered_call's events around a hold, with a controlled clock.

The order of AgentComplete and the hang-ups is the capture's; where the hold changes what Asterisk
does (a leg left alone in its hold context), the events are fed in the order that would happen.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from callflow import hold
from callflow.ami import actions
from callflow.ami.protocol import parse_block
from callflow.live import LiveState, SendAction
from core import dialplan
from core.settings import Settings
from tests.unit.callflow.test_callflow_state import Clock, feed, records, recv_events

LINKEDID = "1795326409.0"
CITIZEN = "PJSIP/world-00000000"
SEAT = "PJSIP/1001-00000001"


def split(captures: Path) -> tuple[list[bytes], bytes, bytes, bytes]:
    """answered_call up to the talk, then AgentComplete, the seat's and the citizen's Hangup."""
    blocks = recv_events(captures / "answered_call")
    names: list[tuple[str, str]] = []
    for block in blocks:
        msg = parse_block(block)
        assert msg is not None
        names.append((msg.get("Event"), msg.get("Channel")))
    complete = names.index(("AgentComplete", CITIZEN))
    seat_gone = names.index(("Hangup", SEAT))
    citizen_gone = names.index(("Hangup", CITIZEN))
    return blocks[:complete], blocks[complete], blocks[seat_gone], blocks[citizen_gone]


def talking(captures: Path, settings: Settings) -> tuple[LiveState, Clock, list[bytes]]:
    clock = Clock()
    state = LiveState(settings, clock)
    before, complete, seat_gone, citizen_gone = split(captures)
    feed(state, before)
    call = state.calls[LINKEDID]
    assert (call.seat, call.seat_channel, call.state) == ("1001", SEAT, "talking")
    call.answered_at = clock.now  # the replay's clock is ours from here on
    return state, clock, [complete, seat_gone, citizen_gone]


def desk(state: LiveState, op: str) -> list[dict[str, object]]:
    return [data for target, o, data in state.deltas if target == "desk:1001" and o == op]


def test_hold_resume_then_hang_up_gives_one_record_with_the_hold(captures: Path, settings: Settings) -> None:
    state, clock, (complete, seat_gone, citizen_gone) = talking(captures, settings)
    call = state.calls[LINKEDID]
    clock.now += timedelta(seconds=10)
    hold.start(state, call, "1001")
    assert call.held and call.state == "held"
    # app_queue sees the Redirect as the end of its call: the seat must stay on the line.
    feed(state, [complete])
    assert state.seats["1001"].talking == LINKEDID and state.seats["1001"].state == "talking"
    assert desk(state, "hangup") == []
    clock.now += timedelta(seconds=30)
    hold.end(state, call, "1001")
    assert not call.held and call.state == "talking"
    assert [d["held"] for d in desk(state, "hold")] == [True, False]
    clock.now += timedelta(seconds=20)
    feed(state, [seat_gone])
    assert state.seats["1001"].talking is None
    assert desk(state, "hangup") == [{"linkedid": LINKEDID, "reason": "agent", "talk_s": 30.0}]
    feed(state, [citizen_gone])
    (record,) = records(state)
    assert record.linkedid == LINKEDID and record.outcome == "answered" and record.seat == "1001"
    assert record.talk_s == 30.0  # 10 s before the hold + 20 s after, the 30 s on hold left out
    (period,) = record.holds
    assert period.seat == "1001" and period.end is not None
    assert (period.end - period.start).total_seconds() == 30.0
    stats = state.queue_stats[(state.day(), "q-general")]
    # AgentComplete's own figure (TalkTime 14), counted once.
    assert (stats.talk_count, stats.talk_total_s) == (1, 14)
    assert not [e for e in state.effects if isinstance(e, SendAction)]


def test_without_agent_complete_the_queue_talk_is_counted_up_to_the_hold(
    captures: Path, settings: Settings
) -> None:
    # Asterisk 22.10.1 logged COMPLETECALLER but sent no AgentComplete after our Redirect.
    state, clock, (_complete, seat_gone, citizen_gone) = talking(captures, settings)
    call = state.calls[LINKEDID]
    clock.now += timedelta(seconds=7)
    hold.start(state, call, "1001")
    clock.now += timedelta(seconds=5)
    hold.end(state, call, "1001")
    feed(state, [seat_gone, citizen_gone])
    stats = state.queue_stats[(state.day(), "q-general")]
    assert (stats.talk_count, stats.talk_total_s) == (1, 7)
    (record,) = records(state)
    assert record.talk_s == 7.0 and len(record.holds) == 1


def test_seat_hanging_up_during_the_hold_sends_the_citizen_back_to_the_queue(
    captures: Path, settings: Settings
) -> None:
    state, clock, (complete, seat_gone, citizen_gone) = talking(captures, settings)
    call = state.calls[LINKEDID]
    clock.now += timedelta(seconds=4)
    hold.start(state, call, "1001")
    feed(state, [complete])
    clock.now += timedelta(seconds=6)
    feed(state, [seat_gone])
    effects = [e for e in state.effects if isinstance(e, SendAction)]
    assert [e.action for e in effects] == [actions.redirect(CITIZEN, dialplan.CTX_QUEUE, dialplan.EXT_START)]
    assert not call.held and call.state == "queued" and call.seat_channel is None
    assert state.seats["1001"].talking is None
    assert desk(state, "hangup")[-1]["reason"] == "agent"
    feed(state, [citizen_gone])
    (record,) = records(state)
    (period,) = record.holds
    assert period.end is not None and (period.end - period.start).total_seconds() == 6.0


def test_citizen_hanging_up_during_the_hold_hangs_the_waiting_seat_up(
    captures: Path, settings: Settings
) -> None:
    state, clock, (complete, seat_gone, citizen_gone) = talking(captures, settings)
    call = state.calls[LINKEDID]
    clock.now += timedelta(seconds=4)
    hold.start(state, call, "1001")
    feed(state, [complete])
    clock.now += timedelta(seconds=9)
    feed(state, [citizen_gone])
    effects = [e for e in state.effects if isinstance(e, SendAction)]
    assert [e.action for e in effects] == [actions.hangup(SEAT)]
    (record,) = records(state)
    (period,) = record.holds
    # The call ended on hold: its hold ends with it, and the talk is the 4 s before it.
    assert period.end is not None and (period.end - period.start).total_seconds() == 9.0
    assert record.talk_s == 4.0
    assert desk(state, "hangup") == [{"linkedid": LINKEDID, "reason": "caller", "talk_s": 4.0}]
    feed(state, [seat_gone])  # our Hangup took effect
    assert state.seats["1001"].talking is None and len(records(state)) == 1


def test_undo_of_a_refused_hold_leaves_no_trace(captures: Path, settings: Settings) -> None:
    state, _clock, (complete, _seat_gone, _citizen_gone) = talking(captures, settings)
    call = state.calls[LINKEDID]
    hold.start(state, call, "1001")
    hold.undo(state, call, "1001")
    assert call.holds == [] and call.state == "talking" and not call.held_leg
    # A normal AgentComplete then ends the seat's talk as before.
    feed(state, [complete])
    assert state.seats["1001"].talking is None

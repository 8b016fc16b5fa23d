"""The live state machine fed straight from the captures (no network): rules and resync."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callflow.ami.protocol import AmiParser, Message, parse_block
from callflow.handlers import build_dispatcher, event_filters
from callflow.live import LiveState, PauseSeat, PublishRecord
from callflow.queuelog import from_queue_log, reconcile
from callflow.resync import apply_channels, apply_queue_status
from core.contracts import CallRecord
from core.settings import CallRules, Settings


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def recv_events(capture: Path) -> list[bytes]:
    out: list[bytes] = []
    for line in (capture / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] == "recv" and entry["raw"].startswith("Event: "):
            out.extend(AmiParser().feed(entry["raw"].encode()))
    return out


def feed(state: LiveState, blocks: list[bytes]) -> None:
    dispatcher = build_dispatcher(state)
    for block in blocks:
        dispatcher.dispatch_raw(block)
    assert dispatcher.stats.handler_errors == 0


def records(state: LiveState) -> list[CallRecord]:
    return [
        e.record for e in state.effects if isinstance(e, PublishRecord) and isinstance(e.record, CallRecord)
    ]


@pytest.mark.parametrize(("misses_before_pause", "pauses"), [(1, 3), (2, 2), (3, 1), (4, 0)])
def test_pause_after_n_consecutive_misses(
    captures: Path, settings: Settings, misses_before_pause: int, pauses: int
) -> None:
    # busy_minute: seat 1003 never answers and nobody pauses it, so it misses three times in a row.
    settings = settings.model_copy(update={"calls": CallRules(misses_before_pause=misses_before_pause)})
    state = LiveState(settings, Clock())
    feed(state, recv_events(captures / "busy_minute"))
    got = [e for e in state.effects if isinstance(e, PauseSeat)]
    assert got == [PauseSeat("1003", "未在三声内应答")] * pauses


def test_busy_minute_statistics_reconcile_with_queue_log(captures: Path, settings: Settings) -> None:
    state = LiveState(settings, Clock())
    feed(state, recv_events(captures / "busy_minute"))
    lines = (captures / "busy_minute" / "queue_log").read_text(encoding="utf-8").splitlines()
    assert reconcile(state.queue_stats.values(), from_queue_log(lines), state.seat_stats.values()) == []
    stats = state.queue_stats[(state.day(), "q-general")]
    assert (stats.offered, stats.answered, stats.abandoned) == (14, 9, 5)
    assert len(records(state)) == 14 and state.calls == {}


def test_reconcile_reports_disagreement(captures: Path, settings: Settings) -> None:
    state = LiveState(settings, Clock())
    blocks = recv_events(captures / "answered_call")
    feed(state, [b for b in blocks if not b.startswith(b"Event: AgentComplete")])
    lines = (captures / "answered_call" / "queue_log").read_text(encoding="utf-8").splitlines()
    problems = reconcile(state.queue_stats.values(), from_queue_log(lines))
    assert problems == [
        "q-general.talk_total_s: AMI 0 != queue_log 14",
        "q-general.talk_count: AMI 0 != queue_log 1",
    ]


def _with(block: bytes, **fields: str) -> bytes:
    message = parse_block(block)
    assert message is not None
    message.fields.update(fields)
    return "\r\n".join(f"{k}: {v}" for k, v in message.fields.items()).encode()


def test_wrapup_then_ready_and_queue_wait_alert(captures: Path, settings: Settings) -> None:
    clock = Clock()
    settings = settings.model_copy(update={"calls": CallRules(overflow_after_s=30)})
    state = LiveState(settings, clock)
    blocks = recv_events(captures / "answered_call")
    # The same call with a 10 s wrap-up configured on the member.
    blocks = [
        _with(b, Wrapuptime="10")
        if b.startswith((b"Event: QueueMemberAdded", b"Event: QueueMemberStatus"))
        else b
        for b in blocks
    ]
    join = next(i for i, b in enumerate(blocks) if b.startswith(b"Event: QueueCallerJoin"))
    feed(state, blocks[: join + 1])
    clock.now += timedelta(seconds=31)
    state.tick()
    alerts = [d for t, op, d in state.deltas if op == "alert" and d["kind"] == "queue_wait_limit"]
    assert [(a["queue"], a["caller"], a["wait_s"]) for a in alerts] == [("q-general", "13800000001", 31)]
    complete = next(i for i, b in enumerate(blocks) if b.startswith(b"Event: AgentComplete"))
    feed(state, blocks[join + 1 : complete + 1])
    seat = state.seats["1001"]
    assert seat.state == "wrapup" and seat.wrapup_until == clock.now + timedelta(seconds=10)
    clock.now += timedelta(seconds=10)
    state.tick()
    assert state.seats["1001"].state == "ready"


def test_resync_rebuilds_from_recorded_snapshots(captures: Path, settings: Settings) -> None:
    lines = [
        json.loads(x)
        for x in (captures / "resync_queries" / "ami.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    by_action: dict[str, list[Message]] = {}
    ids: dict[str | None, str] = {}
    for x in lines:
        if x["dir"] == "send":
            fields = dict(line.split(": ", 1) for line in x["raw"].split("\r\n") if ": " in line)
            ids[fields["ActionID"]] = fields["Action"]
    for x in lines:
        message = parse_block(x["raw"].rstrip("\r\n").encode())
        if x["dir"] == "recv" and message is not None and message.name and message.action_id in ids:
            by_action.setdefault(ids[message.action_id], []).append(message)
    clock = Clock()
    state = LiveState(settings, clock)
    status = [m for m in by_action["QueueStatus"] if m.name != "QueueStatusComplete"]
    channels = [m for m in by_action["CoreShowChannels"] if m.name != "CoreShowChannelsComplete"]
    dummy = Message({"Response": "Success"})
    apply_queue_status(state, dummy, status)
    apply_channels(state, dummy, channels)
    assert state.seats["1001"].state == "talking" and state.seats["1001"].talking == "1795326627.19"
    assert state.seats["1002"].state == "not_ready"
    waiting = state.queues["q-general"].waiting
    assert list(waiting) == ["1795326628.21"] and waiting["1795326628.21"].caller == "13800000011"
    talking = state.calls["1795326627.19"]
    assert (talking.seat, talking.state, talking.caller) == ("1001", "talking", "13800000010")
    assert talking.answered_at == clock.now - timedelta(seconds=1)  # Duration 00:00:01 of the seat leg
    assert state.full_rewrite
    # A second resync after both calls ended finishes them: nothing is lost.
    state.effects.clear()
    apply_channels(state, dummy, [])
    assert sorted(r.linkedid for r in records(state)) == ["1795326627.19", "1795326628.21"]
    assert {r.hangup_cause for r in records(state)} == {"ended while the AMI connection was down"}
    assert state.calls == {}


def test_event_filters_ask_only_for_handled_events(settings: Settings) -> None:
    patterns = event_filters(build_dispatcher(LiveState(settings)))
    assert "Event: AgentRingNoAnswer" in patterns and "Event: Hangup" in patterns
    assert not any(p == "Event: VarSet" for p in patterns)
    assert patterns[-1] == "Variable: (HOTLINE_|MIXMONITOR_FILENAME|AGISTATUS)"


@pytest.mark.parametrize(
    ("response", "reason", "outcome"),
    [
        ("Success", "4", "answered"),
        ("Failure", "5", "busy"),
        ("Failure", "3", "no_answer"),
        ("Failure", "0", "failed"),
    ],
)
def test_unit_leg_outcome_from_originate_response(
    captures: Path, settings: Settings, response: str, reason: str, outcome: str
) -> None:
    from callflow import transfers

    state = LiveState(settings, Clock())
    blocks = recv_events(captures / "answered_call")
    connect = next(i for i, b in enumerate(blocks) if b.startswith(b"Event: AgentConnect"))
    feed(state, blocks[: connect + 1])
    call = state.calls["1795326409.0"]
    index = transfers.add_transfer(state, call, "threeway", "2001", "1001", "U-WATER")
    state.originates["act-7"] = (call.linkedid, index)
    feed(
        state,
        [
            f"Event: OriginateResponse\r\nActionID: act-7\r\nResponse: {response}\r\n"
            f"Channel: PJSIP/2001@world\r\nReason: {reason}\r\nUniqueid: 1795326999.9".encode()
        ],
    )
    assert call.transfers[index].outcome == outcome and state.originates == {}

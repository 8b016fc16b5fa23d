"""Every recorded scenario replayed over real TCP through the real AMI role into real Redis:
resulting live state, published deltas, call records, and statistics that agree with queue_log."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from redis.asyncio import Redis

from callflow import store
from callflow.queuelog import from_queue_log, reconcile
from core.settings import Settings
from tests.conftest import CAPTURES
from tests.contract.callflow_harness import CallflowHarness

SCENARIOS = sorted(p.name for p in CAPTURES.iterdir() if (p / "ami.jsonl").is_file())

# Per scenario: the call records (outcome, seat, queue) the ticket writer must receive.
EXPECTED_RECORDS: dict[str, list[tuple[str, str | None, str | None]]] = {
    "answered_call": [("answered", "1001", "q-general")],
    "ring_no_answer": [("answered", "1002", "q-general")],
    "abandoned_in_queue": [("abandoned", None, "q-general")],
    "emergency_from_ivr": [("emergency_referred", None, None)],
    "threeway_with_unit": [("answered", "1001", "q-general")],
    "callback_survey": [],  # an originated survey call is not a citizen call
    "dtmf_at_prompt": [("abandoned", None, "q-general")],
    "hangup_during_ivr": [("ivr_hangup", None, None)],
    "resync_queries": [("abandoned", None, "q-general")],  # the other call is still talking at the end
    "supervisor_spy": [("answered", "1001", "q-general")],
    "agi_server_down": [("answered", "1001", "q-general")],
}


def test_every_capture_has_expectations() -> None:
    assert set(SCENARIOS) == set(EXPECTED_RECORDS) | {"busy_minute"}


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_replay_matches_queue_log(
    scenario: str, captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / scenario, settings, redis) as h:
        await h.run_to_end()
        stats = h.service.dispatcher.stats
        assert stats.handler_errors == 0
        assert h.service.resyncs == 1
        day = h.service.state.day()
        queue_log = from_queue_log(
            (captures / scenario / "queue_log").read_text(encoding="utf-8").splitlines()
        )
        problems = reconcile(
            await store.queue_stats(redis, settings.redis_prefix, day),
            queue_log,
            await store.seat_stats(redis, settings.redis_prefix, day),
        )
        assert problems == []
        records = await h.calls()
        if scenario in EXPECTED_RECORDS:
            assert [(r.outcome, r.seat, r.queue) for r in records] == EXPECTED_RECORDS[scenario]
        # Every seat logged out at the end of each recording.
        snap = await store.snapshot(redis, settings.redis_prefix)
        assert all(s.state == "logged_out" for s in snap.seats)
        assert all(not q.waiting for q in snap.queues)
        # Only the events the handlers use were asked for.
        filters = [a["Filter"] for a in h.server.actions if a.get("Action") == "Filter"]
        assert "Event: AgentRingNoAnswer" in filters and not any("RTCP" in f for f in filters)


async def test_answered_call_record_and_desk(captures: Path, settings: Settings, redis: Redis) -> None:
    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        await h.run_to_end()
        (record,) = await h.calls()
    assert record.linkedid == "1795326409.0"
    assert (record.caller, record.caller_name, record.did) == ("13800000001", "市民", "12345")
    assert record.ivr is not None and (record.ivr.queue, record.ivr.category) == ("q-general", "complaint")
    assert (record.wait_s, record.talk_s) == (2.0, 14.0)
    assert record.recording_path == "/var/spool/asterisk/monitor/1795326409.0.wav"
    assert record.hangup_cause == "Normal Clearing"
    assert record.answered_at is not None and record.queue_joined_at is not None
    assert record.started_at <= record.queue_joined_at <= record.answered_at <= record.ended_at
    # The desk of seat 1001: ring, then connect with the caller and IVR result, then hangup.
    desk = [(op, d) for t, op, d in h.deltas if t == "desk:1001" and op in ("ring", "connect", "hangup")]
    assert [op for op, _ in desk] == ["ring", "connect", "hangup"]
    ring, connect = desk[0][1], desk[1][1]
    assert ring["caller"] == "13800000001" and ring["linkedid"] == "1795326409.0"
    assert ring["ring_timeout_s"] == 15
    assert connect["ivr"]["category"] == "complaint" and connect["queue"] == "q-general"
    assert desk[2][1] == {"linkedid": "1795326409.0", "reason": "agent", "talk_s": 14}
    ends = h.ops("wallboard", "call_end")
    assert ends == [{"linkedid": "1795326409.0", "outcome": "answered", "queue": "q-general", "seat": "1001"}]


async def test_ring_no_answer_pauses_the_seat(captures: Path, settings: Settings, redis: Redis) -> None:
    async with CallflowHarness(captures / "ring_no_answer", settings, redis) as h:
        # Stop before the seats log out, to see seat 1001 in not-ready with its reason.
        h.server.hold_before("QueueMemberRemoved")
        await asyncio.wait_for(h.server.held.wait(), 20)
        await h.settle()
        seat = await store.seat_state(redis, settings.redis_prefix, "1001")
        assert seat is not None and seat.state == "not_ready" and seat.reason == "未在三声内应答"
        assert seat.misses_today == 1 and seat.consecutive_misses == 1
        other = await store.seat_state(redis, settings.redis_prefix, "1002")
        # Seat 1002 answered and the caller left: the queue's wrap-up (queues.conf wrapuptime) runs.
        assert other is not None and other.state == "wrapup" and other.calls_today == 1
        assert other.wrapup_until is not None and other.wrapup_until > other.since
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
        day = h.service.state.day()
        pauses = [a for a in h.server.actions if a.get("Action") == "QueuePause"]
        misses = await store.ring_misses(redis, settings.redis_prefix, day, seat="1001")
        seat_stats = {s.seat: s for s in await store.seat_stats(redis, settings.redis_prefix, day)}
        (qstats,) = await store.queue_stats(redis, settings.redis_prefix, day)
    # 004 §11: paused at once, with the configured reason, in every queue (no Queue field).
    assert pauses == [
        {
            "Action": "QueuePause",
            "Interface": "PJSIP/1001",
            "Paused": "true",
            "Reason": "未在三声内应答",
            "ActionID": pauses[0]["ActionID"],
        }
    ]
    assert [(m.seat, m.ring_ms, m.paused, m.linkedid) for m in misses] == [
        ("1001", 15000, True, "1795326440.2")
    ]
    assert [(m.seat, m.ring_ms) for m in record.rings_missed] == [("1001", 15000)]
    alerts = [a for a in h.ops("wallboard", "alert") if a["kind"] == "three_ring_miss"]
    assert [(a["seat"], a["paused"], a["misses"]) for a in alerts] == [("1001", True, 1)]
    assert seat_stats["1001"].three_ring_rate == 0.0 and seat_stats["1002"].three_ring_rate == 1.0
    assert qstats.three_ring_rate == 0.5
    not_ready = [
        d for t, op, d in h.deltas if t == "wallboard" and op == "seat" and d["state"] == "not_ready"
    ]
    assert not_ready and not_ready[0]["ext"] == "1001" and not_ready[0]["reason"] == "未在三声内应答"


async def test_threeway_record_joins_the_unit_leg(captures: Path, settings: Settings, redis: Redis) -> None:
    async with CallflowHarness(captures / "threeway_with_unit", settings, redis) as h:
        await h.run_to_end()
        (record,) = await h.calls()
    # The Redirect out of the queue bridge ended the queue call (AgentComplete, talk 8 s), but the
    # record is one call: the unit's own-linkedid leg is joined through the conference.
    assert record.outcome == "answered" and record.talk_s == 8.0
    assert [(t.kind, t.target, t.outcome, t.seat) for t in record.transfers] == [
        ("threeway", "2001", "answered", "1001")
    ]
    assert record.hangup_cause == "Normal Clearing"


async def test_emergency_from_ivr_alerts_supervisors(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "emergency_from_ivr", settings, redis) as h:
        await h.run_to_end()
        (record,) = await h.calls()
        (referral,) = await h.referrals()
    # The dialplan's Dial to 119 through the trunk was answered: the referral says so.
    assert (referral.linkedid, referral.target, referral.source, referral.outcome) == (
        record.linkedid,
        "119",
        "ivr",
        "answered",
    )
    assert record.ivr is not None
    assert (record.ivr.action, record.ivr.target, record.ivr.category) == (
        "emergency",
        "119",
        "emergency_fire",
    )
    alerts = [a for a in h.ops("wallboard", "alert") if a["kind"] == "emergency"]
    assert [(a["target"], a["source"], a["linkedid"]) for a in alerts] == [("119", "ivr", record.linkedid)]


async def test_agi_server_down_is_a_fallback(captures: Path, settings: Settings, redis: Redis) -> None:
    async with CallflowHarness(captures / "agi_server_down", settings, redis) as h:
        await h.run_to_end()
        (record,) = await h.calls()
    assert record.ivr is not None and record.ivr.action == "fallback"
    assert record.did == "12399" and record.outcome == "answered"


async def test_busy_minute(captures: Path, settings: Settings, redis: Redis) -> None:
    async with CallflowHarness(captures / "busy_minute", settings, redis) as h:
        await h.run_to_end()
        records = await h.calls()
        day = h.service.state.day()
        (qstats,) = await store.queue_stats(redis, settings.redis_prefix, day)
        misses = await store.ring_misses(redis, settings.redis_prefix, day)
    # 14 callers: 9 connected, 5 abandoned (the capture's README and queue_log).
    assert len(records) == 14 and len({r.linkedid for r in records}) == 14
    assert Counter(r.outcome for r in records) == {"answered": 9, "abandoned": 5}
    assert (qstats.offered, qstats.answered, qstats.abandoned) == (14, 9, 5)
    assert qstats.answer_rate == pytest.approx(9 / 14)
    assert qstats.longest_wait_s == 58
    assert [m.seat for m in misses] == ["1003", "1003", "1003"]
    assert sum(len(r.rings_missed) for r in records) == 3
    for r in records:
        if r.outcome == "answered":
            assert r.seat in ("1001", "1002") and r.talk_s is not None
        else:
            assert r.seat is None and r.wait_s is not None and r.wait_s > 0


async def test_resync_queries_keeps_the_talking_call(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "resync_queries", settings, redis) as h:
        await h.run_to_end()
        snap = await store.snapshot(redis, settings.redis_prefix)
    (call,) = snap.calls
    assert (call.linkedid, call.state, call.seat, call.caller) == (
        "1795326627.19",
        "talking",
        "1001",
        "13800000010",
    )

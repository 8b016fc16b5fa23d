"""Hold / resume over the Redis command bus to the AMI role, against the replay server.

The AMI actions asserted are the ones checked on a real Asterisk 22.10.1 (see callflow.hold and
the live test): Redirect with ExtraChannel / ExtraContext, then Bridge with Channel1 / Channel2.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from redis.asyncio import Redis

from callflow import store
from callflow.commands import CommandClient, Hold, Resume, ThreeWay
from core.settings import Settings
from tests.contract.callflow_harness import CallflowHarness
from tests.integration.callflow.test_callflow_commands import LINKEDID, WAIT_S, sent

HOLD_REDIRECT = {
    "Action": "Redirect",
    "Channel": "PJSIP/world-00000000",
    "Context": "hotline-hold",
    "Exten": "s",
    "Priority": "1",
    "ExtraChannel": "PJSIP/1001-00000001",
    "ExtraContext": "hotline-hold-seat",
    "ExtraExten": "s",
    "ExtraPriority": "1",
}
RESUME_BRIDGE = {
    "Action": "Bridge",
    "Channel1": "PJSIP/world-00000000",
    "Channel2": "PJSIP/1001-00000001",
    "Tone": "no",
}


async def test_hold_and_resume_from_the_desk(captures: Path, settings: Settings, redis: Redis) -> None:
    prefix = settings.redis_prefix
    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        h.server.hold_before("AgentComplete")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        client = CommandClient(redis, prefix)

        # Nothing to hold: another seat, or a call that does not exist.
        for wrong in (Hold(seat="1002", linkedid=LINKEDID), Hold(seat="1001", linkedid="1795326409.99")):
            reply = await client.send(wrong)
            assert (reply.ok, reply.code, reply.message) == (False, "not_found", "本坐席当前没有该通话")
        assert (await client.send(Resume(seat="1001", linkedid=LINKEDID))).code == "conflict"
        assert sent(h.server, "Redirect") == [] and sent(h.server, "Bridge") == []

        reply = await client.send(Hold(seat="1001", linkedid=LINKEDID))
        assert reply.ok and reply.message == "已保持，市民正在听等待音乐", reply
        assert sent(h.server, "Redirect") == [HOLD_REDIRECT]
        await h.settle()
        call = await store.call_state(redis, prefix, LINKEDID)
        assert call is not None and call.state == "held" and len(call.holds) == 1
        assert [d["held"] for d in h.ops("desk:1001", "hold")] == [True]

        again = await client.send(Hold(seat="1001", linkedid=LINKEDID))
        assert (again.code, again.message) == ("conflict", "通话已在保持中")
        # Transfers need the two legs bridged: not while they sit in the hold contexts.
        threeway = await client.send(ThreeWay(seat="1001", linkedid=LINKEDID, number="2001"))
        assert (threeway.code, threeway.message) == ("conflict", "通话保持中，请先恢复通话")
        assert len(sent(h.server, "Redirect")) == 1 and sent(h.server, "Originate") == []

        # app_queue ends its part at the Redirect: the seat stays on the call, its desk too.
        h.server.held.clear()
        h.server.hold_before("Hangup")  # the seat's: the capture's first hang-up
        h.server.resume()
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        assert "AgentComplete" in h.server.streamed
        await h.drain()
        await h.settle()
        seat = await store.seat_state(redis, prefix, "1001")
        assert seat is not None and (seat.state, seat.linkedid) == ("talking", LINKEDID)
        assert h.ops("desk:1001", "hangup") == []

        reply = await client.send(Resume(seat="1001", linkedid=LINKEDID))
        assert reply.ok and reply.message == "已恢复通话", reply
        assert sent(h.server, "Bridge") == [RESUME_BRIDGE]
        await h.settle()
        call = await store.call_state(redis, prefix, LINKEDID)
        assert call is not None and call.state == "talking" and call.holds[0].end is not None
        assert [d["held"] for d in h.ops("desk:1001", "hold")] == [True, False]

        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
        assert [h.ops("desk:1001", "hangup")[0][k] for k in ("linkedid", "reason")] == [LINKEDID, "agent"]
    assert record.linkedid == LINKEDID and record.seat == "1001" and record.outcome == "answered"
    (period,) = record.holds
    assert period.seat == "1001" and period.end is not None and period.start <= period.end
    assert record.answered_at is not None and record.talk_s is not None
    on_hold = (period.end - period.start).total_seconds()
    assert record.talk_s <= (record.ended_at - record.answered_at).total_seconds() - on_hold + 1e-6


async def test_a_refused_redirect_is_not_a_hold(captures: Path, settings: Settings, redis: Redis) -> None:
    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        h.server.hold_before("AgentComplete")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        h.server.fail_actions["redirect"] = "Redirect failed"
        reply = await CommandClient(redis, settings.redis_prefix).send(Hold(seat="1001", linkedid=LINKEDID))
        assert (reply.code, reply.message) == ("ami_error", "保持失败：Redirect failed")
        await h.settle()
        call = await store.call_state(redis, settings.redis_prefix, LINKEDID)
        assert call is not None and call.state == "talking" and call.holds == []
        assert [d["held"] for d in h.ops("desk:1001", "hold")] == [True, False]
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
    # Nothing held: the call ends as answered_call always did (AgentComplete's TalkTime).
    assert record.holds == [] and record.talk_s == 14.0

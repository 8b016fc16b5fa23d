"""The three-ring pause survives an AMI outage (004 §11): a pause lost with the connection is sent
again after the reconnect and resync, unless the seat is already paused or has logged out."""

from __future__ import annotations

import asyncio
from pathlib import Path

from redis.asyncio import Redis

from callflow import store
from core.settings import Settings
from tests.contract.callflow_harness import CallflowHarness

WAIT_S = 20.0
RING_MISS_REASON = "未在三声内应答"


async def _wait_logins(h: CallflowHarness, count: int) -> None:
    async def logged_in() -> None:
        # The double has no event for logins; poll its counter (bounded by WAIT_S below).
        while h.server.logins < count:  # noqa: ASYNC110
            await asyncio.sleep(0.02)

    await asyncio.wait_for(logged_in(), WAIT_S)
    await h.connected()
    await h.settle()


def _pauses(h: CallflowHarness) -> list[tuple[str, str, str]]:
    return [
        (a["Interface"], a["Paused"], a.get("Reason", ""))
        for a in h.server.actions
        if a.get("Action") == "QueuePause"
    ]


async def _to_the_miss(h: CallflowHarness) -> None:
    h.server.hold_before("AgentRingNoAnswer")
    await asyncio.wait_for(h.server.held.wait(), WAIT_S)
    await h.settle()


async def test_pause_lost_with_the_connection_is_sent_after_resync(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "ring_no_answer", settings, redis) as h:
        await _to_the_miss(h)
        # Asterisk never applies the pause: stop before the member events it would have caused.
        h.server.hold_before("QueueMemberStatus", h.server.streamed.count("QueueMemberStatus") + 1)
        h.server.drop_on_action("QueuePause")
        h.server.resume()
        await _wait_logins(h, 2)
        # The resync found 1001 logged in and ready: the pause went out again on the new link.
        assert _pauses(h) == [("PJSIP/1001", "true", RING_MISS_REASON)] * 2
        assert h.service.pending_pauses == {}
        h.server.hold_before("QueueMemberRemoved")
        h.server.resume()
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        seat = await store.seat_state(redis, settings.redis_prefix, "1001")
        assert seat is not None and seat.state == "not_ready" and seat.reason == RING_MISS_REASON
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
    assert len(_pauses(h)) == 2
    assert (record.outcome, record.seat) == ("answered", "1002")


async def test_pause_applied_before_the_drop_is_not_repeated(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "ring_no_answer", settings, redis) as h:
        await _to_the_miss(h)
        # Asterisk applied the pause, but its answer and the member events it caused are lost with
        # the link; streaming stops again at the next member event after the reconnect.
        h.server.hold_before("QueueMemberStatus", h.server.streamed.count("QueueMemberStatus") + 1)
        h.server.drop_on_action("QueuePause", lose_s=0.01)
        h.server.resume()
        await _wait_logins(h, 2)
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        assert h.server.streamed.count("QueueMemberPause") == 0
        seat = await store.seat_state(redis, settings.redis_prefix, "1001")
        assert seat is not None and seat.state == "not_ready" and seat.reason == RING_MISS_REASON
        assert _pauses(h) == [("PJSIP/1001", "true", RING_MISS_REASON)]
        assert h.service.pending_pauses == {}
        h.server.resume()
        await h.run_to_end()
    assert len(_pauses(h)) == 1


async def test_pause_for_a_seat_that_logged_out_while_away_is_dropped(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "ring_no_answer", settings, redis) as h:
        await _to_the_miss(h)
        # The outage lasts until after both seats logged out.
        h.server.drop_on_action("QueuePause", lose_s=30.0)
        h.server.resume()
        await _wait_logins(h, 2)
        await h.run_to_end()
        snap = await store.snapshot(redis, settings.redis_prefix)
    assert _pauses(h) == [("PJSIP/1001", "true", RING_MISS_REASON)]
    assert h.service.pending_pauses == {}
    assert [s.state for s in snap.seats if s.ext == "1001"] in ([], ["logged_out"])

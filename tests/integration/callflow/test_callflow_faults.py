"""Fault tests over real TCP and real Redis: AMI disconnect mid-call, Redis restart, garbage."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from callflow import store
from callflow.resync import LOST_CAUSE
from core.handoff import stream_key
from core.settings import Settings
from tests.contract.callflow_harness import CallflowHarness

WAIT_S = 20.0


async def test_disconnect_mid_call_and_calls_ended_while_away(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        h.server.hold_before("AgentComplete")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        seat = await store.seat_state(redis, settings.redis_prefix, "1001")
        assert seat is not None and seat.state == "talking" and seat.linkedid == "1795326409.0"
        # The connection drops; the call ends while we are away (its events are lost).
        await h.server.drop_clients(lose_s=1.0)
        h.server.resume()
        await h.run_to_end()
        assert h.service.sessions == 2 and h.service.resyncs == 2 and h.server.logins == 2
        (record,) = await h.calls()
        snap = await store.snapshot(redis, settings.redis_prefix)
    # The resync found the channels gone: the call is finished from what was known, not lost.
    assert (record.outcome, record.seat, record.queue, record.wait_s) == (
        "answered",
        "1001",
        "q-general",
        2.0,
    )
    assert record.hangup_cause == LOST_CAUSE
    assert record.ivr is not None and record.ivr.category == "complaint"
    assert snap.calls == [] and [s.state for s in snap.seats] == ["logged_out"]


async def test_disconnect_with_a_caller_waiting_rebuilds_the_queue(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "resync_queries", settings, redis) as h:
        # Cut right before the second caller joins, and miss that join.
        h.server.hold_before("QueueCallerJoin", 2)
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        await h.server.drop_clients(lose_s=0.2)
        h.server.hold_before("QueueCallerAbandon")
        h.server.resume()
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.service.connected.wait()
        await h.settle()
        snap = await store.snapshot(redis, settings.redis_prefix)
        (general,) = [q for q in snap.queues if q.name == "q-general"]
        # Rebuilt from QueueStatus: the caller we never saw join is waiting; 1001 talks; 1002 paused.
        assert [(w.linkedid, w.caller) for w in general.waiting] == [("1795326628.21", "13800000011")]
        seats = {s.ext: s for s in snap.seats}
        assert seats["1001"].state == "talking" and seats["1002"].state == "not_ready"
        h.server.resume()
        await h.run_to_end()
        records = await h.calls()
    assert [(r.linkedid, r.outcome, r.caller, r.wait_s) for r in records] == [
        ("1795326628.21", "abandoned", "13800000011", 24.0)
    ]


@pytest.mark.parametrize("chunk_size", [1, 5, 13])
async def test_split_reads_garbage_and_truncated_input(
    captures: Path, settings: Settings, redis: Redis, chunk_size: int
) -> None:
    async with CallflowHarness(captures / "answered_call", settings, redis, chunk_size=chunk_size) as h:
        h.server.hold_before("AgentConnect")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        await h.server.inject(
            b"\xff\xfe\xfd not AMI at all\r\n\r\n"
            b"Event: NoSuchEventEver\r\nFoo: bar\r\n\r\n"
            b"Event: AgentConnect\r\n\r\n"  # missing every field
            b"Event: QueueCallerJoin\r\nUniqueid: 1795326409.0\r\n\r\n"  # no queue
            b"Event: VarSet\r\nUniqueid: 1795326409.0\r\nVariable: HOTLINE_QUEUE\r\n\r\n"  # no value
            b"Event: QueueMemberStatus\r\nQueue: q-general\r\nInterface: \xe5\x9d\r\n\r\n"  # broken UTF-8
            b"\r\n\r\n\r\n"
        )
        h.server.hold_before("Hangup", 2)
        h.server.resume()
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        # A message cut off by a dying connection; the rest of the replay comes on a new one.
        await h.server.inject(b"Event: Hangup\r\nChannel: PJSIP/world-0000")
        await h.server.drop_clients()
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
        stats = h.service.dispatcher.stats
    assert stats.handler_errors == 0
    assert (record.outcome, record.seat, record.caller_name, record.wait_s, record.talk_s) == (
        "answered",
        "1001",
        "市民",
        2.0,
        14.0,
    )
    assert record.ivr is not None and record.ivr.queue == "q-general"


class PrivateRedis:
    """A redis-server of our own (never the shared one), so the test may kill and restart it."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.workdir = workdir
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        client = Redis(port=self.port)
        try:
            for _ in range(200):
                with contextlib.suppress(Exception):
                    if await client.ping():
                        return
                await asyncio.sleep(0.05)
            raise RuntimeError("private redis-server did not start")
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()
        self.proc = None


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    await server.start()
    yield server
    await server.stop()


async def test_redis_restart_loses_nothing(
    captures: Path, settings: Settings, private_redis: PrivateRedis
) -> None:
    client = Redis(port=private_redis.port, socket_connect_timeout=1, socket_timeout=2)
    prefix = settings.redis_prefix
    try:
        async with CallflowHarness(captures / "answered_call", settings, client) as h:
            h.server.hold_before("AgentComplete")
            await asyncio.wait_for(h.server.held.wait(), WAIT_S)
            await h.settle()
            # Redis goes away mid-call (data not persisted); the call ends while it is away.
            await private_redis.stop()
            h.server.hold_before("QueueMemberRemoved")
            h.server.resume()
            await asyncio.wait_for(h.server.held.wait(), WAIT_S)

            async def spooled() -> None:
                while True:
                    await asyncio.sleep(0.05)
                    svc = h.service
                    if svc.published >= 1 and h.producer.spool_path.exists() and svc.writer.failures >= 1:
                        return

            await asyncio.wait_for(spooled(), WAIT_S)
            await private_redis.start()
            await h.settle()  # the writer rewrote the whole projection into the empty Redis
            day = h.service.state.day()
            (stats,) = await store.queue_stats(client, prefix, day)
            assert (stats.offered, stats.answered, stats.talk_total_s) == (1, 1, 14)
            seat = await store.seat_state(client, prefix, "1001")
            # Just after its call the seat is in the queue's wrap-up (queues.conf wrapuptime).
            assert seat is not None and seat.state == "wrapup" and seat.calls_today == 1
            # The call record spooled while Redis was down reaches the stream.
            assert await h.producer.flush_spool() == 1
            (record,) = await h.calls()
            assert (record.linkedid, record.outcome, record.talk_s) == ("1795326409.0", "answered", 14.0)
            h.server.resume()
            await h.run_to_end()
        assert await client.xlen(stream_key(prefix)) == 1
    finally:
        with contextlib.suppress(Exception):
            async for key in client.scan_iter(match=f"{prefix}*"):
                await client.delete(key)
        await client.aclose()


async def test_ami_role_restart_takes_over_calls_in_progress(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        h.server.hold_before("AgentComplete")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        # The AMI role dies mid-call (its lease is released) and a new process takes over.
        await h.restart_service()
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
        assert h.server.logins == 2
    # The IVR result and the queue join were seen only by the first process; the record has them.
    assert record.ivr is not None and (record.ivr.queue, record.ivr.category) == ("q-general", "complaint")
    assert (record.outcome, record.seat, record.wait_s, record.talk_s) == ("answered", "1001", 2.0, 14.0)
    assert record.recording_path == "/var/spool/asterisk/monitor/1795326409.0.wav"


async def test_filters_refused_means_unfiltered_not_broken(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    # A manager user without the `system` class cannot add filters: everything comes, still right.
    async with CallflowHarness(
        captures / "answered_call", settings, redis, fail_actions={"Filter": "Permission denied"}
    ) as h:
        await h.run_to_end()
        (record,) = await h.calls()
        assert h.service.filters_refused
        assert h.service.dispatcher.stats.skipped > 100  # RTCP, Newexten, other VarSets... (1 when filtered)
    assert (record.outcome, record.seat, record.talk_s) == ("answered", "1001", 14.0)

"""The durable hand-off against a real Redis: nothing lost, nothing duplicated."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from core.contracts import CallRecord, EmergencyReferral, HandoffRecord, SurveyResult
from core.handoff import (
    GROUP,
    HandlerFailed,
    HandoffConsumer,
    HandoffProducer,
    dead_letter_key,
    stream_key,
)

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def call(linkedid: str, outcome: str = "answered") -> CallRecord:
    return CallRecord(
        linkedid=linkedid,
        caller="13800000001",
        did="12345",
        channel="PJSIP/world-00000000",
        started_at=NOW,
        ended_at=NOW,
        outcome=outcome,  # type: ignore[arg-type]
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def drain(consumer: HandoffConsumer, rounds: int = 3) -> None:
    for _ in range(rounds):
        try:
            await consumer.process_once()
        except HandlerFailed:
            pass


async def test_records_round_trip_in_order_and_are_acked(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
    sent: list[HandoffRecord] = [
        call("1.1"),
        EmergencyReferral(linkedid="1.2", caller="138", target="119", source="ivr", reason="fire", at=NOW),
        SurveyResult(
            ticket_no="12345-20261122-000001", linkedid="1.3", phone="138", satisfaction="satisfied",
            resolved=True, answered=True, at=NOW,
        ),
    ]
    for record in sent:
        assert await producer.publish(record) is True
    got: list[HandoffRecord] = []

    async def handler(record: HandoffRecord) -> None:
        got.append(record)

    consumer = HandoffConsumer(redis, redis_prefix, "c1", handler, block_ms=10)
    assert await consumer.process_once() == 3
    assert got == sent
    # Acked entries are removed: the stream holds nothing pending or unread.
    assert await redis.xlen(stream_key(redis_prefix)) == 0
    pending = await redis.xpending(stream_key(redis_prefix), GROUP)
    assert pending["pending"] == 0


async def test_failed_handler_leaves_record_pending_and_retries(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
    await producer.publish(call("2.1"))
    database_up = False
    written: list[str] = []

    async def handler(record: HandoffRecord) -> None:
        if not database_up:
            raise ConnectionError("database is down")
        assert isinstance(record, CallRecord)
        written.append(record.linkedid)

    consumer = HandoffConsumer(redis, redis_prefix, "c1", handler, block_ms=10)
    with pytest.raises(HandlerFailed):
        await consumer.process_once()
    assert written == []
    assert (await redis.xpending(stream_key(redis_prefix), GROUP))["pending"] == 1

    database_up = True
    await drain(consumer)
    assert written == ["2.1"]
    assert (await redis.xpending(stream_key(redis_prefix), GROUP))["pending"] == 0


async def test_a_second_consumer_claims_records_of_a_dead_one(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
    await producer.publish(call("3.1"))

    async def crash(record: HandoffRecord) -> None:
        raise RuntimeError("process killed mid-write")

    dead = HandoffConsumer(redis, redis_prefix, "dead", crash, block_ms=10)
    with pytest.raises(HandlerFailed):
        await dead.process_once()

    got: list[str] = []

    async def handler(record: HandoffRecord) -> None:
        got.append(record.linkedid)

    survivor = HandoffConsumer(redis, redis_prefix, "alive", handler, claim_idle_ms=0, block_ms=10)
    await survivor.process_once()
    assert got == ["3.1"]


async def test_poison_and_unreadable_entries_go_to_dead_letter(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    await redis.xadd(stream_key(redis_prefix), {"kind": "call", "json": "{not json"})
    producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
    await producer.publish(call("4.1"))

    async def always_fails(record: HandoffRecord) -> None:
        raise ValueError("constraint violated")

    consumer = HandoffConsumer(redis, redis_prefix, "c1", always_fails, max_deliveries=2, block_ms=10)
    await drain(consumer, rounds=4)
    dead = await redis.xrange(dead_letter_key(redis_prefix))
    errors = sorted(fields[b"error"].decode() for _id, fields in dead)
    assert len(errors) == 2
    assert errors[0].startswith("handler failed: ValueError")
    assert errors[1].startswith("unreadable")
    # Both were acknowledged: nothing is left to retry forever.
    assert (await redis.xpending(stream_key(redis_prefix), GROUP))["pending"] == 0


async def test_producer_spools_while_redis_is_unreachable_and_replays(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool.jsonl"
    down = Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.2)
    offline = HandoffProducer(down, redis_prefix, spool)
    assert await offline.publish(call("5.1")) is False
    assert await offline.publish(call("5.2", outcome="abandoned")) is False
    await down.aclose()
    assert len(spool.read_text(encoding="utf-8").splitlines()) == 2

    online = HandoffProducer(redis, redis_prefix, spool)
    assert await online.flush_spool() == 2
    assert not spool.exists()
    entries = await redis.xrange(stream_key(redis_prefix))
    assert [f[b"kind"] for _i, f in entries] == [b"call", b"call"]

    got: list[tuple[str, str]] = []

    async def handler(record: HandoffRecord) -> None:
        assert isinstance(record, CallRecord)
        got.append((record.linkedid, record.outcome))

    await HandoffConsumer(redis, redis_prefix, "c1", handler, block_ms=10).process_once()
    assert got == [("5.1", "answered"), ("5.2", "abandoned")]


async def test_flush_keeps_the_rest_of_the_spool_when_redis_fails_again(
    redis_prefix: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool.jsonl"
    down = Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.2)
    producer = HandoffProducer(down, redis_prefix, spool)
    await producer.publish(call("6.1"))
    await producer.publish(call("6.2"))
    assert await producer.flush_spool() == 0
    assert len(spool.read_text(encoding="utf-8").splitlines()) == 2
    await down.aclose()


class CuttableRedis:
    """A real TCP proxy in front of the real Redis, so a test can take "Redis" away (never the
    shared server itself) at an exact point of the protocol.

    `trap(n)`: when the n-th command carrying a record (XADD, or the EVALSHA of a replay)
    arrives after that call, the proxy stops listening and
    closes every other connection, sets `trapped` and waits for `release`; then it forwards the
    command, lets Redis execute it, drops the reply and closes that connection too: the replay
    sees its connection die with the record already in the stream.
    """

    def __init__(self, upstream: tuple[str, int] = ("127.0.0.1", 6379)) -> None:
        self.upstream = upstream
        self.port = 0
        self.trapped = asyncio.Event()
        self.release = asyncio.Event()
        self._trap_at: int | None = None
        self._carrying = 0
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def heal(self) -> None:
        self._trap_at = None
        await self.start()

    def trap(self, nth: int) -> None:
        self._carrying = 0
        self._trap_at = nth

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for client, upstream in list(self._links):
            client.close()
            upstream.close()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection(*self.upstream)
        link = (client_w, up_w)
        self._links.add(link)
        dropping = asyncio.Event()

        async def replies() -> None:
            while data := await up_r.read(65536):
                if dropping.is_set():
                    break  # Redis answered: the answer never reaches the client
                client_w.write(data)
                await client_w.drain()
            client_w.close()
            up_w.close()

        relay = asyncio.create_task(replies())
        try:
            while data := await client_r.read(65536):
                self._carrying += data.count(b"\r\nEVALSHA\r\n") + data.count(b"\r\nXADD\r\n")
                if self._trap_at is not None and self._carrying >= self._trap_at:
                    self._trap_at = None
                    await self._cut(keep=link)
                    self.trapped.set()
                    await self.release.wait()
                    dropping.set()
                    up_w.write(data)
                    await up_w.drain()
                    await relay
                    return
                up_w.write(data)
                await up_w.drain()
        except ConnectionError:
            pass
        finally:
            self._links.discard(link)
            client_w.close()
            up_w.close()
            with contextlib.suppress(ConnectionError):
                await relay

    async def _cut(self, keep: tuple[asyncio.StreamWriter, asyncio.StreamWriter]) -> None:
        assert self._server is not None
        self._server.close()
        for client, upstream in list(self._links):
            if (client, upstream) != keep:
                client.close()
                upstream.close()


async def test_records_spooled_during_an_interrupted_replay_all_reach_the_stream_once(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    """Redis goes away in the middle of a replay, after it applied a record whose answer is
    lost, while new records are being spooled: afterwards every record is in the stream once."""
    spool = tmp_path / "spool.jsonl"
    no_retry = Retry(NoBackoff(), 0)
    down = Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.2, retry=no_retry)
    offline = HandoffProducer(down, redis_prefix, spool)
    for i in range(20):
        assert await offline.publish(call(f"8.{i}")) is False
    await down.aclose()

    proxy = CuttableRedis()
    await proxy.start()
    client = Redis(host="127.0.0.1", port=proxy.port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 1))
    producer = HandoffProducer(client, redis_prefix, spool)
    try:
        assert await producer.publish(call("8.before")) is True
        proxy.trap(8)
        replay = asyncio.create_task(producer.flush_spool())
        await asyncio.wait_for(proxy.trapped.wait(), 30)
        # The replay is waiting for an answer; meanwhile calls end and Redis is gone for them.
        for i in range(5):
            assert await producer.publish(call(f"8.during.{i}")) is False
        proxy.release.set()
        first = await replay
        assert 0 < first < 20
        assert await producer.flush_spool() == 0  # still down: nothing moves, nothing is lost

        await proxy.heal()
        second = await producer.flush_spool()
        assert await producer.publish(call("8.after")) is True
    finally:
        await client.aclose()
        await proxy.close()

    entries = await redis.xrange(stream_key(redis_prefix))
    linkedids = [CallRecord.model_validate_json(fields[b"json"]).linkedid for _id, fields in entries]
    expected = ["8.before", *(f"8.{i}" for i in range(20)), *(f"8.during.{i}" for i in range(5)), "8.after"]
    assert sorted(linkedids) == sorted(expected)  # each exactly once
    # The record Redis applied while its answer was lost is in neither count: the second replay
    # found it marked as added.
    assert first + second == 24
    left = await asyncio.to_thread(lambda: sorted(p.name for p in tmp_path.iterdir()))
    assert left == ["spool.jsonl.lock"]


async def test_cancelling_the_consumer_ends_it_even_when_the_cancel_is_swallowed(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    """redis-py 8.1 may turn a cancellation into a connection error; shutdown must still end."""
    producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
    await producer.publish(call("7.1"))
    started = asyncio.Event()

    async def swallowing_handler(record: HandoffRecord) -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise ConnectionError("Connection closed by server.") from None

    consumer = HandoffConsumer(redis, redis_prefix, "c1", swallowing_handler, block_ms=10)
    task = asyncio.create_task(consumer.run(retry_delay_s=0.01))
    await started.wait()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=10)
    assert task in done, "the consumer loop went on after being cancelled"
    assert task.cancelled()
    # The record was not acknowledged: the next writer gets it.
    assert (await redis.xpending(stream_key(redis_prefix), GROUP))["pending"] == 1


async def test_cancelling_the_consumer_ends_it_when_a_blocking_read_swallows_the_cancel(
    redis_prefix: str,
) -> None:
    """redis-py can also swallow a cancellation inside a blocking XREADGROUP and return as if
    nothing came: the next pass must not start (the e2e suite hung in teardown on this)."""
    blocked = asyncio.Event()

    class SwallowingRedis(Redis):
        async def xreadgroup(self, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("block") is None:
                return await super().xreadgroup(*args, **kwargs)
            blocked.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                return []  # the cancellation is gone
            return []

    client = SwallowingRedis.from_url("redis://127.0.0.1:6379/0")
    try:
        consumer = HandoffConsumer(client, redis_prefix, "c1", _never_called, block_ms=10)
        task = asyncio.create_task(consumer.run(retry_delay_s=0.01))
        await blocked.wait()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert task in done, "the consumer read again after being cancelled"
        assert task.cancelled()
    finally:
        await client.aclose()


async def _never_called(record: HandoffRecord) -> None:
    raise AssertionError(f"no record was published, got {record!r}")

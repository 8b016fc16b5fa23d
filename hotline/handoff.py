"""Durable hand-off from the call path to the work-order engine (DESIGN.md "Durable hand-off").

Producers (callflow, ivr) append records to one Redis Stream. The ticket writer reads it through a
consumer group and acknowledges an entry only after its handler returned, i.e. after the database
commit; handlers are idempotent (keyed by linkedid), so a crash between commit and ack duplicates
nothing. When Redis itself is unreachable the producer spools records to a local JSONL file and
replays them later, so a Redis restart loses nothing either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from hotline.aio import honour_cancel
from tickets.contracts import HandoffRecord

log = logging.getLogger(__name__)

GROUP = "ticket-writer"
_record_adapter: TypeAdapter[HandoffRecord] = TypeAdapter(HandoffRecord)


def stream_key(prefix: str) -> str:
    return f"{prefix}stream:records"


def dead_letter_key(prefix: str) -> str:
    return f"{prefix}stream:records:dead"


def encode(record: HandoffRecord) -> dict[str, str]:
    return {"kind": record.kind, "json": record.model_dump_json()}


def decode(fields: dict[Any, Any]) -> HandoffRecord:
    raw = fields.get(b"json", fields.get("json"))
    if raw is None:
        raise ValueError("stream entry has no 'json' field")
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return _record_adapter.validate_json(raw)


class HandoffProducer:
    """Appends records; spools them to disk while Redis is away."""

    def __init__(self, redis: Redis, prefix: str, spool_path: Path) -> None:
        self._redis = redis
        self._key = stream_key(prefix)
        self._spool = spool_path
        self._lock = asyncio.Lock()

    @property
    def spool_path(self) -> Path:
        return self._spool

    async def publish(self, record: HandoffRecord) -> bool:
        """Returns True when the record is in Redis, False when it was spooled for later."""
        try:
            await self._redis.xadd(self._key, encode(record))  # type: ignore[arg-type]
            return True
        except (RedisError, OSError) as exc:
            log.warning("handoff: Redis unavailable (%s); spooling %s record", exc, record.kind)
            await asyncio.to_thread(self._append_spool, record.model_dump_json())
            return False

    def _append_spool(self, line: str) -> None:
        self._spool.parent.mkdir(parents=True, exist_ok=True)
        with self._spool.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()

    async def flush_spool(self) -> int:
        """Replays spooled records into the stream; returns how many were sent."""
        async with self._lock:
            lines = await asyncio.to_thread(self._read_spool)
            sent = 0
            for i, line in enumerate(lines):
                try:
                    record = _record_adapter.validate_json(line)
                except ValidationError:
                    log.error("handoff: dropping unreadable spool line %d", i)
                    sent += 1
                    continue
                try:
                    await self._redis.xadd(self._key, encode(record))  # type: ignore[arg-type]
                except (RedisError, OSError):
                    await asyncio.to_thread(self._rewrite_spool, lines[i:])
                    return sent
                sent += 1
            await asyncio.to_thread(self._rewrite_spool, [])
            return sent

    def _read_spool(self) -> list[str]:
        if not self._spool.exists():
            return []
        return [ln for ln in self._spool.read_text(encoding="utf-8").splitlines() if ln.strip()]

    def _rewrite_spool(self, lines: list[str]) -> None:
        if not lines:
            self._spool.unlink(missing_ok=True)
            return
        tmp = self._spool.with_suffix(".tmp")
        tmp.write_text("".join(ln + "\n" for ln in lines), encoding="utf-8")
        tmp.replace(self._spool)

    async def run_flusher(self, interval_s: float = 2.0) -> None:
        while True:
            await asyncio.sleep(interval_s)
            with contextlib.suppress(RedisError, OSError):
                await self.flush_spool()
            honour_cancel()


Handler = Callable[[HandoffRecord], Awaitable[None]]


class HandoffConsumer:
    """Reads the stream in a consumer group and acks only what its handler finished."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        consumer: str,
        handler: Handler,
        *,
        max_deliveries: int = 10,
        claim_idle_ms: int = 60_000,
        block_ms: int = 1000,
    ) -> None:
        self._redis = redis
        self._key = stream_key(prefix)
        self._dead = dead_letter_key(prefix)
        self._consumer = consumer
        self._handler = handler
        self._max_deliveries = max_deliveries
        self._claim_idle_ms = claim_idle_ms
        self._block_ms = block_ms

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(self._key, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def process_once(self) -> int:
        """One pass: own pending entries, stale entries of dead consumers, then new ones."""
        await self.ensure_group()
        done = 0
        pending = await self._redis.xreadgroup(GROUP, self._consumer, {self._key: "0"}, count=100)
        done += await self._handle_batch(pending)
        claimed = await self._redis.xautoclaim(
            self._key, GROUP, self._consumer, min_idle_time=self._claim_idle_ms, start_id="0-0", count=100
        )
        if claimed and claimed[1]:
            done += await self._handle_entries(claimed[1])
        fresh = await self._redis.xreadgroup(
            GROUP, self._consumer, {self._key: ">"}, count=100, block=self._block_ms
        )
        done += await self._handle_batch(fresh)
        return done

    async def _handle_batch(self, batch: Any) -> int:
        done = 0
        for _stream, entries in batch or []:
            done += await self._handle_entries(entries)
        return done

    async def _handle_entries(self, entries: list[Any]) -> int:
        done = 0
        for entry_id, fields in entries:
            if fields is None:  # deleted while pending
                await self._ack(entry_id)
                continue
            try:
                record = decode(fields)
            except (ValueError, ValidationError) as exc:
                await self._dead_letter(entry_id, fields, f"unreadable: {exc}")
                continue
            try:
                await self._handler(record)
            except Exception as exc:
                # Left pending: retried on the next pass, dead-lettered after too many tries.
                if await self._deliveries(entry_id) >= self._max_deliveries:
                    await self._dead_letter(entry_id, fields, f"handler failed: {exc!r}")
                else:
                    log.warning("handoff: %s %s not written yet: %r", record.kind, entry_id, exc)
                    raise HandlerFailed(str(exc)) from exc
                continue
            await self._ack(entry_id)
            done += 1
        return done

    async def _deliveries(self, entry_id: Any) -> int:
        info = await self._redis.xpending_range(self._key, GROUP, min=entry_id, max=entry_id, count=1)
        return int(info[0]["times_delivered"]) if info else 0

    async def _ack(self, entry_id: Any) -> None:
        await self._redis.xack(self._key, GROUP, entry_id)
        await self._redis.xdel(self._key, entry_id)

    async def _dead_letter(self, entry_id: Any, fields: dict[Any, Any], why: str) -> None:
        log.error("handoff: dead-lettering %s: %s", entry_id, why)
        payload: dict[Any, Any] = {
            k.decode() if isinstance(k, bytes) else str(k): v for k, v in fields.items()
        }
        payload["error"] = why
        await self._redis.xadd(self._dead, payload)
        await self._ack(entry_id)

    async def run(self, retry_delay_s: float = 1.0) -> None:
        while True:
            # redis-py can swallow a cancellation inside a blocking read and return normally:
            # without this check the loop would read again and shutdown would wait forever.
            honour_cancel()
            try:
                await self.process_once()
            except HandlerFailed:
                honour_cancel()
                await asyncio.sleep(retry_delay_s)
            except (RedisError, OSError) as exc:
                honour_cancel()
                log.warning("handoff: Redis unavailable (%s); retrying", exc)
                await asyncio.sleep(retry_delay_s)


class HandlerFailed(Exception):
    """The handler could not write a record (database down); it stays pending."""

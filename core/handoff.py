"""Durable hand-off from the call path to the work-order engine (DESIGN.md "Durable hand-off").

Producers (callflow, ivr) append records to one Redis Stream. The ticket writer reads it through a
consumer group and acknowledges an entry only after its handler returned, i.e. after the database
commit; handlers are idempotent (keyed by linkedid), so a crash between commit and ack duplicates
nothing. When Redis itself is unreachable the producer spools records to a local JSONL file and
replays them later, so a Redis restart loses nothing either (and a replay duplicates nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import glob
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from core.aio import honour_cancel
from core.contracts import HandoffRecord

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


# Replays a spooled record at most once: the marker key is checked and written in the same
# script as the XADD, so a replay retried after a lost reply (Redis applied it, the connection
# dropped before the answer) skips what is already in the stream.
_REPLAY_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local id = redis.call('XADD', KEYS[1], '*', 'kind', ARGV[1], 'json', ARGV[2])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
return id
"""
# Long enough for any retry of an interrupted replay (the flusher retries every few seconds).
REPLAY_MARK_TTL_S = 7 * 24 * 3600


class HandoffProducer:
    """Appends records; spools them to disk while Redis is away.

    The spool (`spool_path`) is only ever appended to. A replay first renames it, under an
    exclusive file lock, to a batch file of its own (`<spool>.<ns>-<pid>.replay`), so records
    spooled during the replay go to a fresh spool and a replay never rewrites a file a producer
    may write; the lock is a `flock` so producers of other processes (roles run apart, one data
    directory) are covered too. A batch file is deleted once all its lines are in the stream,
    and each line is marked in Redis (key: batch + line number) as it is added, so a batch
    replayed again after an interruption or a crash duplicates nothing.
    """

    def __init__(self, redis: Redis, prefix: str, spool_path: Path) -> None:
        self._redis = redis
        self._key = stream_key(prefix)
        self._mark_prefix = f"{prefix}stream:records:replayed:"
        self._spool = spool_path
        self._lock_path = spool_path.with_name(spool_path.name + ".lock")
        self._lock = asyncio.Lock()
        self._replay = redis.register_script(_REPLAY_SCRIPT)

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

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._spool.parent.mkdir(parents=True, exist_ok=True)
        with self._lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _append_spool(self, line: str) -> None:
        with self._locked(), self._spool.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    async def flush_spool(self) -> int:
        """Replays spooled records into the stream; returns how many were added by this call.

        Stops at the first Redis error and leaves what is not in the stream yet on disk.
        """
        async with self._lock:
            try:
                await self._redis.ping()
            except (RedisError, OSError):
                return 0  # still down: leave the files as they are
            batches = await asyncio.to_thread(self._take_spool)
            sent = 0
            for batch in batches:
                added, complete = await self._replay_batch(batch)
                sent += added
                if not complete:
                    break
                await asyncio.to_thread(batch.unlink, True)
            return sent

    def _take_spool(self) -> list[Path]:
        """The batch files to replay, oldest first; the current spool becomes the newest."""
        with self._locked():
            if self._spool.exists():
                self._spool.rename(
                    self._spool.with_name(f"{self._spool.name}.{time.time_ns():020d}-{os.getpid()}.replay")
                )
            return sorted(self._spool.parent.glob(f"{glob.escape(self._spool.name)}.*.replay"))

    async def _replay_batch(self, batch: Path) -> tuple[int, bool]:
        """Returns (records added now, whether every line of the batch is in the stream)."""
        try:
            lines = await asyncio.to_thread(batch.read_text, "utf-8")
        except FileNotFoundError:  # another process finished this batch
            return 0, True
        added = 0
        for i, line in enumerate(lines.splitlines()):
            if not line.strip():
                continue
            try:
                record = _record_adapter.validate_json(line)
            except ValidationError:
                log.error("handoff: dropping unreadable line %d of %s", i, batch.name)
                continue
            fields = encode(record)
            try:
                entry = await self._replay(
                    keys=[self._key, f"{self._mark_prefix}{batch.name}:{i}"],
                    args=[fields["kind"], fields["json"], REPLAY_MARK_TTL_S],
                )
            except (RedisError, OSError) as exc:
                log.warning("handoff: replay of %s interrupted at line %d: %s", batch.name, i, exc)
                return added, False
            if entry is not None:
                added += 1
        return added, True

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

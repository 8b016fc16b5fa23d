"""Every Redis key of the live call state, the writer of its projection, and the read functions
the web desk and wallboard use.

Keys (``<p>`` = settings.redis_prefix):

==================================  =====================================================
``<p>live:seats``                   hash ext → `SeatView` JSON
``<p>live:queues``                  hash queue → `QueueView` JSON
``<p>live:calls``                   hash linkedid → `CallView` JSON (calls in progress)
``<p>live:epoch``                   set by the writer; missing means Redis lost the data
``<p>stats:<day>:queues``           hash queue → `QueueStatsView` JSON (day in the local zone)
``<p>stats:<day>:seats``            hash ext → `SeatStatsView` JSON
``<p>stats:<day>:misses``           list of `RingMissView` JSON (three-ring misses, in order)
``<p>ami:lease:<asterisk>``         the AMI consumer lease of one Asterisk node (value: owner)
``<p>cmd:requests``                 list of pending desk commands (callflow.commands)
``<p>cmd:reply:<id>``               the reply to one command (list, expires)
==================================  =====================================================
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from callflow.changes import ChangeSet
from callflow.live import LiveState
from callflow.notifier import Notifier
from callflow.views import (
    CallView,
    QueueStatsView,
    QueueView,
    RingMissView,
    SeatStatsView,
    SeatView,
    Snapshot,
)

log = logging.getLogger(__name__)

STATS_TTL_S = 400 * 24 * 3600  # a year of daily figures for the monthly/yearly reports (000 §30)


class Keys:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.seats = f"{prefix}live:seats"
        self.queues = f"{prefix}live:queues"
        self.calls = f"{prefix}live:calls"
        self.epoch = f"{prefix}live:epoch"
        self.commands = f"{prefix}cmd:requests"

    def queue_stats(self, day: str) -> str:
        return f"{self.prefix}stats:{day}:queues"

    def seat_stats(self, day: str) -> str:
        return f"{self.prefix}stats:{day}:seats"

    def misses(self, day: str) -> str:
        return f"{self.prefix}stats:{day}:misses"

    def lease(self, asterisk: str) -> str:
        return f"{self.prefix}ami:lease:{asterisk}"

    def reply(self, command_id: str) -> str:
        return f"{self.prefix}cmd:reply:{command_id}"


def local_day(tz: str, at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date().isoformat()


# ---- writing (the AMI role only) -----------------------------------------------------------------


@dataclass
class _Earlier:
    """Changes to the figures of days before today not yet in Redis."""

    queues: dict[tuple[str, str], QueueStatsView] = field(default_factory=dict)
    seats: dict[tuple[str, str], SeatStatsView] = field(default_factory=dict)
    misses: list[tuple[str, RingMissView]] = field(default_factory=list)


class StateWriter:
    """Writes what changed in the live state in one pipeline, with its deltas."""

    def __init__(self, redis: Redis, state: LiveState, notifier: Notifier) -> None:
        self._redis = redis
        self._state = state
        self._notifier = notifier
        self.keys = Keys(state.settings.redis_prefix)
        self.misses: dict[str, list[RingMissView]] = {}  # kept to rebuild the lists after a Redis loss
        self.flushes = 0
        self.failures = 0
        self.flushed_version = 0
        self.on_flushed: Callable[[int], None] | None = None
        self._earlier = _Earlier()

    async def load(self) -> None:
        """Takes over today's figures and the calls in progress (the AMI role may restart mid-day;
        IVR results, tickets and transfers of live calls were only ever seen by the old process)."""
        state, day = self._state, self._state.day()
        for value in (await self._redis.hgetall(self.keys.calls)).values():
            state.restore_call(CallView.model_validate_json(value))
        raw_q = await self._redis.hgetall(self.keys.queue_stats(day))
        raw_s = await self._redis.hgetall(self.keys.seat_stats(day))
        state.restore_stats(
            day,
            [QueueStatsView.model_validate_json(v) for v in raw_q.values()],
            [SeatStatsView.model_validate_json(v) for v in raw_s.values()],
        )
        misses = await self._redis.lrange(self.keys.misses(day), 0, -1)
        self.misses[day] = [RingMissView.model_validate_json(m) for m in misses]

    async def flush(self) -> bool:
        """True when Redis has everything up to `state.version`; False when Redis is away."""
        state = self._state
        changes = state.drain()
        for day in [d for d in self.misses if d < changes.day]:
            del self.misses[day]  # earlier days are final in Redis; only today's list is rebuilt
        if changes.full:
            return await self._rewrite(changes)
        if changes.empty:
            self._done(changes.version)
            return True
        k, notify = self.keys, self._notifier
        pipe = self._redis.pipeline(transaction=False)
        pipe.exists(k.epoch)
        seat_map: dict[str, str] = {}
        for ext in changes.seats:
            seat = state.seats.get(ext)
            if seat is None:
                continue
            body = seat_map[ext] = state.seat_view(seat).model_dump_json()
            notify.add_json("wallboard", "seat", body)
            notify.add_json(f"desk:{ext}", "seat", body)
        queue_map: dict[str, str] = {}
        for name in changes.queues:
            q = state.queues.get(name)
            if q is None:
                continue
            body = queue_map[name] = state.queue_view(q).model_dump_json()
            notify.add_json("wallboard", "queue", body)
        call_map: dict[str, str] = {}
        for linkedid in changes.calls:
            call = state.calls.get(linkedid)
            if call is None:
                continue
            body = call_map[linkedid] = state.call_json(call)
            notify.add_json("wallboard", "call", body)
        for key, mapping in ((k.seats, seat_map), (k.queues, queue_map), (k.calls, call_map)):
            if mapping:
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
        if changes.ended:
            pipe.hdel(k.calls, *changes.ended)
        for qs in changes.queue_stats:
            notify.add("wallboard", "stats", _jsonable(qs.summary()))
        queue_stats, seat_stats, misses = self._today(changes)
        earlier = self._earlier
        queue_stats += earlier.queues.values()
        seat_stats += earlier.seats.values()
        self._write_stats(pipe, queue_stats, seat_stats)
        self._write_misses(pipe, [*earlier.misses, *misses])
        for target, op, data in changes.deltas:
            notify.add(target, op, data)
        notify.publish_into(pipe)
        try:
            results = await pipe.execute()
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return False
        if not results or not results[0]:
            log.warning("store: Redis lost the live state (restart?); rewriting all of it")
            state.mark_full_rewrite()
            return await self._rewrite(state.drain())
        self._done(changes.version)
        return True

    def _write_stats(
        self, pipe: Pipeline, queues: Iterable[QueueStatsView], seats: Iterable[SeatStatsView]
    ) -> None:
        k = self.keys
        by_day: dict[str, dict[str, str]] = {}
        for qs in queues:
            by_day.setdefault(qs.day, {})[qs.queue] = qs.model_dump_json()
        for day, mapping in by_day.items():
            pipe.hset(k.queue_stats(day), mapping=mapping)  # type: ignore[arg-type]
            pipe.expire(k.queue_stats(day), STATS_TTL_S)
        by_day = {}
        for ss in seats:
            by_day.setdefault(ss.day, {})[ss.seat] = ss.model_dump_json()
        for day, mapping in by_day.items():
            pipe.hset(k.seat_stats(day), mapping=mapping)  # type: ignore[arg-type]
            pipe.expire(k.seat_stats(day), STATS_TTL_S)

    def _write_misses(self, pipe: Pipeline, misses: Iterable[tuple[str, RingMissView]]) -> None:
        by_day: dict[str, list[str]] = {}
        for day, miss in misses:
            by_day.setdefault(day, []).append(miss.model_dump_json())
        for day, items in by_day.items():
            pipe.rpush(self.keys.misses(day), *items)
            pipe.expire(self.keys.misses(day), STATS_TTL_S)

    def _today(
        self, changes: ChangeSet
    ) -> tuple[list[QueueStatsView], list[SeatStatsView], list[tuple[str, RingMissView]]]:
        """Today's changed figures and misses; those of earlier days (a rollover's last changes,
        gone from the state) wait in `_earlier`, written by every write until one succeeds."""
        today, earlier = changes.day, self._earlier
        queues: list[QueueStatsView] = []
        seats: list[SeatStatsView] = []
        misses: list[tuple[str, RingMissView]] = []
        for qs in changes.queue_stats:
            if qs.day < today:
                earlier.queues[(qs.day, qs.queue)] = qs
            else:
                queues.append(qs)
        for ss in changes.seat_stats:
            if ss.day < today:
                earlier.seats[(ss.day, ss.seat)] = ss
            else:
                seats.append(ss)
        for day, miss in changes.misses:
            if day < today:
                earlier.misses.append((day, miss))
            else:
                misses.append((day, miss))
                self.misses.setdefault(day, []).append(miss)
        return queues, seats, misses

    async def _rewrite(self, changes: ChangeSet) -> bool:
        """Replaces the whole projection atomically (readers never see it half-empty)."""
        state, k = self._state, self.keys
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(k.seats, k.queues, k.calls)
        seats = {ext: state.seat_view(s).model_dump_json() for ext, s in state.seats.items()}
        queues = {n: state.queue_view(q).model_dump_json() for n, q in state.queues.items()}
        calls = {lid: state.call_json(c) for lid, c in state.calls.items()}
        if seats:
            pipe.hset(k.seats, mapping=seats)  # type: ignore[arg-type]
        if queues:
            pipe.hset(k.queues, mapping=queues)  # type: ignore[arg-type]
        if calls:
            pipe.hset(k.calls, mapping=calls)  # type: ignore[arg-type]
        # The state holds today's figures only; the last changes of earlier days wait in `_earlier`.
        self._today(changes)
        self._write_stats(pipe, self._earlier.queues.values(), self._earlier.seats.values())
        self._write_misses(pipe, self._earlier.misses)
        days = {d for d, _ in state.queue_stats} | {d for d, _ in state.seat_stats} | set(self.misses)
        for day in days:
            qs = {n: s.model_dump_json() for (d, n), s in state.queue_stats.items() if d == day}
            ss = {e: s.model_dump_json() for (d, e), s in state.seat_stats.items() if d == day}
            if qs:
                pipe.hset(k.queue_stats(day), mapping=qs)  # type: ignore[arg-type]
                pipe.expire(k.queue_stats(day), STATS_TTL_S)
            if ss:
                pipe.hset(k.seat_stats(day), mapping=ss)  # type: ignore[arg-type]
                pipe.expire(k.seat_stats(day), STATS_TTL_S)
            pipe.delete(k.misses(day))
            if self.misses.get(day):
                pipe.rpush(k.misses(day), *(m.model_dump_json() for m in self.misses[day]))
                pipe.expire(k.misses(day), STATS_TTL_S)
        pipe.set(k.epoch, str(time.time()))
        for target, op, data in changes.deltas:
            self._notifier.add(target, op, data)
        self._notifier.publish_into(pipe)
        try:
            await pipe.execute()
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return False
        state.rewrite_done()
        self._done(changes.version)
        return True

    def _failed(self, exc: Exception) -> None:
        # Everything is rewritten once Redis is back.
        self._notifier.discard()  # deltas are momentary; clients take a snapshot on reconnect
        self.failures += 1
        log.warning("store: Redis unavailable (%s); state kept in memory, rewrite pending", exc)
        self._state.mark_full_rewrite()

    def _done(self, version: int) -> None:
        self._earlier = _Earlier()
        self.flushes += 1
        self.flushed_version = version
        if self.on_flushed is not None:
            self.on_flushed(version)


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _jsonable(data: dict[str, object]) -> dict[str, object]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}


# ---- reading (web desk, wallboard, tests) ------------------------------------------------------


async def snapshot(redis: Redis, prefix: str, tz: str = "Asia/Shanghai") -> Snapshot:
    """Queues, seats, calls in progress and today's queue figures, for a websocket snapshot."""
    k = Keys(prefix)
    pipe = redis.pipeline(transaction=True)
    pipe.hgetall(k.queues)
    pipe.hgetall(k.seats)
    pipe.hgetall(k.calls)
    pipe.hgetall(k.queue_stats(local_day(tz)))
    queues, seats, calls, stats = await pipe.execute()
    return Snapshot(
        at=datetime.now(UTC),
        queues=sorted((QueueView.model_validate_json(v) for v in queues.values()), key=lambda q: q.name),
        seats=sorted((SeatView.model_validate_json(v) for v in seats.values()), key=lambda s: s.ext),
        calls=sorted((CallView.model_validate_json(v) for v in calls.values()), key=lambda c: c.started_at),
        stats=sorted((QueueStatsView.model_validate_json(v) for v in stats.values()), key=lambda s: s.queue),
    )


async def seat_state(redis: Redis, prefix: str, ext: str) -> SeatView | None:
    raw = await redis.hget(Keys(prefix).seats, ext)
    return SeatView.model_validate_json(raw) if raw else None


async def call_state(redis: Redis, prefix: str, linkedid: str) -> CallView | None:
    raw = await redis.hget(Keys(prefix).calls, linkedid)
    return CallView.model_validate_json(raw) if raw else None


async def queue_stats(redis: Redis, prefix: str, day: str) -> list[QueueStatsView]:
    """Per-queue figures of one local day (offered, answered, abandoned, within 15 s, ASA, AHT,
    longest wait; 接通率, service level and three-ring rate are properties of the view)."""
    raw = await redis.hgetall(Keys(prefix).queue_stats(day))
    return sorted((QueueStatsView.model_validate_json(v) for v in raw.values()), key=lambda s: s.queue)


async def queue_stats_today(redis: Redis, prefix: str, tz: str = "Asia/Shanghai") -> list[QueueStatsView]:
    return await queue_stats(redis, prefix, local_day(tz))


async def seat_stats(redis: Redis, prefix: str, day: str) -> list[SeatStatsView]:
    raw = await redis.hgetall(Keys(prefix).seat_stats(day))
    return sorted((SeatStatsView.model_validate_json(v) for v in raw.values()), key=lambda s: s.seat)


async def ring_misses(redis: Redis, prefix: str, day: str, seat: str | None = None) -> list[RingMissView]:
    """Three-ring misses of one day, all seats or one seat, oldest first."""
    raw = await redis.lrange(Keys(prefix).misses(day), 0, -1)
    misses = [RingMissView.model_validate_json(m) for m in raw]
    return [m for m in misses if seat is None or m.seat == seat]

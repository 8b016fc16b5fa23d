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
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from redis.exceptions import RedisError

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

    async def load(self) -> None:
        """Takes over today's figures and the calls in progress (the AMI role may restart mid-day;
        IVR results, tickets and transfers of live calls were only ever seen by the old process)."""
        state, day = self._state, self._state.day()
        for value in (await self._redis.hgetall(self.keys.calls)).values():
            state.restore_call(CallView.model_validate_json(value))
        raw_q = await self._redis.hgetall(self.keys.queue_stats(day))
        for name, value in raw_q.items():
            stats = QueueStatsView.model_validate_json(value)
            state.queue_stats[(day, _s(name))] = stats
        raw_s = await self._redis.hgetall(self.keys.seat_stats(day))
        for ext, value in raw_s.items():
            state.seat_stats[(day, _s(ext))] = SeatStatsView.model_validate_json(value)
        misses = await self._redis.lrange(self.keys.misses(day), 0, -1)
        self.misses[day] = [RingMissView.model_validate_json(m) for m in misses]

    async def flush(self) -> bool:
        """True when Redis has everything up to `state.version`; False when Redis is away."""
        state = self._state
        version = state.version
        if state.full_rewrite:
            return await self._rewrite(version)
        seats, state.dirty_seats = state.dirty_seats, set()
        queues, state.dirty_queues = state.dirty_queues, set()
        calls, state.dirty_calls = state.dirty_calls, set()
        ended, state.ended_calls = state.ended_calls, set()
        qstats, state.dirty_queue_stats = state.dirty_queue_stats, set()
        sstats, state.dirty_seat_stats = state.dirty_seat_stats, set()
        misses, state.new_misses = state.new_misses, []
        deltas, state.deltas = state.deltas, []
        if not (seats or queues or calls or ended or qstats or sstats or misses or deltas):
            self._done(version)
            return True
        k, notify = self.keys, self._notifier
        pipe = self._redis.pipeline(transaction=False)
        pipe.exists(k.epoch)
        seat_map: dict[str, str] = {}
        for ext in seats:
            seat = state.seats.get(ext)
            if seat is None:
                continue
            body = seat_map[ext] = state.seat_view(seat).model_dump_json()
            notify.add_json("wallboard", "seat", body)
            notify.add_json(f"desk:{ext}", "seat", body)
        queue_map: dict[str, str] = {}
        for name in queues:
            q = state.queues.get(name)
            if q is None:
                continue
            body = queue_map[name] = state.queue_view(q).model_dump_json()
            notify.add_json("wallboard", "queue", body)
        call_map: dict[str, str] = {}
        for linkedid in calls:
            call = state.calls.get(linkedid)
            if call is None:
                continue
            body = call_map[linkedid] = state.call_view(call).model_dump_json()
            notify.add_json("wallboard", "call", body)
        for key, mapping in ((k.seats, seat_map), (k.queues, queue_map), (k.calls, call_map)):
            if mapping:
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
        if ended:
            pipe.hdel(k.calls, *ended)
        by_day: dict[str, dict[str, str]] = {}
        for day, name in qstats:
            qs = state.queue_stats[(day, name)]
            by_day.setdefault(day, {})[name] = qs.model_dump_json()
            notify.add("wallboard", "stats", _jsonable(qs.summary()))
        for day, mapping in by_day.items():
            pipe.hset(k.queue_stats(day), mapping=mapping)  # type: ignore[arg-type]
            pipe.expire(k.queue_stats(day), STATS_TTL_S)
        by_day = {}
        for day, ext in sstats:
            by_day.setdefault(day, {})[ext] = state.seat_stats[(day, ext)].model_dump_json()
        for day, mapping in by_day.items():
            pipe.hset(k.seat_stats(day), mapping=mapping)  # type: ignore[arg-type]
            pipe.expire(k.seat_stats(day), STATS_TTL_S)
        new_misses: dict[str, list[str]] = {}
        for day, _ext, miss in misses:
            self.misses.setdefault(day, []).append(miss)
            new_misses.setdefault(day, []).append(miss.model_dump_json())
        for day, items in new_misses.items():
            pipe.rpush(k.misses(day), *items)
            pipe.expire(k.misses(day), STATS_TTL_S)
        for target, op, data in deltas:
            notify.add(target, op, data)
        notify.publish_into(pipe)
        try:
            results = await pipe.execute()
        except (RedisError, OSError) as exc:
            self._failed(exc, seats, queues, calls, ended, qstats, sstats, misses)
            return False
        if not results or not results[0]:
            log.warning("store: Redis lost the live state (restart?); rewriting all of it")
            state.full_rewrite = True
            return await self._rewrite(state.version)
        self._done(version)
        return True

    async def _rewrite(self, version: int) -> bool:
        """Replaces the whole projection atomically (readers never see it half-empty)."""
        state, k = self._state, self.keys
        state.dirty_seats.clear()
        state.dirty_queues.clear()
        state.dirty_calls.clear()
        state.ended_calls.clear()
        state.dirty_queue_stats.clear()
        state.dirty_seat_stats.clear()
        for day, _ext, miss in state.new_misses:
            self.misses.setdefault(day, []).append(miss)
        state.new_misses = []
        deltas, state.deltas = state.deltas, []
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(k.seats, k.queues, k.calls)
        seats = {ext: state.seat_view(s).model_dump_json() for ext, s in state.seats.items()}
        queues = {n: state.queue_view(q).model_dump_json() for n, q in state.queues.items()}
        calls = {lid: state.call_view(c).model_dump_json() for lid, c in state.calls.items()}
        if seats:
            pipe.hset(k.seats, mapping=seats)  # type: ignore[arg-type]
        if queues:
            pipe.hset(k.queues, mapping=queues)  # type: ignore[arg-type]
        if calls:
            pipe.hset(k.calls, mapping=calls)  # type: ignore[arg-type]
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
        for target, op, data in deltas:
            self._notifier.add(target, op, data)
        self._notifier.publish_into(pipe)
        try:
            await pipe.execute()
        except (RedisError, OSError) as exc:
            self.failures += 1
            self._notifier.discard()
            log.warning("store: Redis unavailable (%s); state kept in memory, rewrite pending", exc)
            state.full_rewrite = True
            return False
        state.full_rewrite = False
        self._done(version)
        return True

    def _failed(self, exc: Exception, *dirty: object) -> None:
        del dirty  # everything is rewritten once Redis is back
        self._notifier.discard()  # deltas are momentary; clients take a snapshot on reconnect
        self.failures += 1
        log.warning("store: Redis unavailable (%s); state kept in memory, rewrite pending", exc)
        self._state.full_rewrite = True

    def _done(self, version: int) -> None:
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

"""The writer over real Redis across midnight (injected clock): yesterday's last figures reach
Redis once, and nothing of yesterday is written again, not even by a full rewrite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from callflow.live import LiveState
from callflow.notifier import Notifier
from callflow.store import StateWriter, queue_stats, ring_misses, seat_stats
from callflow.views import RingMissView
from core.settings import Settings

LATE = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)  # 23:59 in Asia/Shanghai
YESTERDAY, TODAY = "2026-11-22", "2026-11-23"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _miss(at: datetime) -> RingMissView:
    return RingMissView(
        seat="1001", queue="q-general", linkedid="1.0", caller="138", ring_ms=15000, at=at, paused=False
    )


async def test_rollover_writes_yesterday_once_and_then_only_today(settings: Settings, redis: Redis) -> None:
    clock = Clock(LATE)
    state = LiveState(settings, clock)
    writer = StateWriter(redis, state, Notifier(settings.redis_prefix))
    p = settings.redis_prefix
    state.qstats("q-general").offered += 1
    state.sstats("1001").rings_offered += 1
    state.mark_miss(_miss(LATE))
    assert await writer.flush()  # the first flush is a full rewrite
    # Counted at 23:59:59, flushed after midnight together with today's first call.
    state.qstats("q-general").answered += 1
    state.sstats("1001").answered += 1
    state.mark_miss(_miss(LATE + timedelta(seconds=59)))
    clock.now = LATE + timedelta(minutes=2)
    state.qstats("q-general").offered += 1
    state.mark_miss(_miss(clock.now))
    assert await writer.flush()
    assert [(s.offered, s.answered) for s in await queue_stats(redis, p, YESTERDAY)] == [(1, 1)]
    assert [s.answered for s in await seat_stats(redis, p, YESTERDAY)] == [1]
    assert len(await ring_misses(redis, p, YESTERDAY)) == 2
    assert [(s.offered, s.answered) for s in await queue_stats(redis, p, TODAY)] == [(1, 0)]
    assert len(await ring_misses(redis, p, TODAY)) == 1
    assert set(writer.misses) == {TODAY}

    # Yesterday's keys are no longer the writer's: a full rewrite leaves them as they are.
    await redis.delete(f"{p}stats:{YESTERDAY}:queues", f"{p}stats:{YESTERDAY}:misses")
    state.mark_full_rewrite()
    assert await writer.flush()
    assert await queue_stats(redis, p, YESTERDAY) == []
    assert await ring_misses(redis, p, YESTERDAY) == []
    assert [(s.offered, s.answered) for s in await queue_stats(redis, p, TODAY)] == [(1, 0)]
    assert len(await ring_misses(redis, p, TODAY)) == 1


async def test_yesterday_changes_survive_a_failed_write_at_rollover(settings: Settings, redis: Redis) -> None:
    clock = Clock(LATE)
    state = LiveState(settings, clock)
    writer = StateWriter(redis, state, Notifier(settings.redis_prefix))
    p = settings.redis_prefix
    assert await writer.flush()
    state.qstats("q-general").offered += 1
    state.mark_miss(_miss(LATE))
    clock.now = LATE + timedelta(minutes=2)
    # Redis is away for the write at rollover (a client on a closed port).
    away = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    writer._redis = away
    assert not await writer.flush()
    await away.aclose()
    assert state.full_rewrite and ("2026-11-22", "q-general") not in state.queue_stats
    writer._redis = redis
    assert await writer.flush()
    assert [s.offered for s in await queue_stats(redis, p, YESTERDAY)] == [1]
    assert len(await ring_misses(redis, p, YESTERDAY)) == 1

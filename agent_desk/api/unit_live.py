"""The REST layer's publisher of unit portal deltas (`tickets.unit_events`), as a dependency."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends
from redis.asyncio import Redis

from agent_desk.api.deps import RedisDep, SettingsDep
from tickets import unit_events
from tickets.unit_events import UnitDelta


class UnitPublisher:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def publish(self, deltas: Iterable[UnitDelta]) -> int:
        """Called after the commit; a Redis failure is logged, never raised (the change stands)."""
        return await unit_events.publish(self._redis, self._prefix, deltas)


def get_unit_publisher(settings: SettingsDep, redis: RedisDep) -> UnitPublisher:
    return UnitPublisher(redis, settings.redis_prefix)


UnitPublisherDep = Annotated[UnitPublisher, Depends(get_unit_publisher)]

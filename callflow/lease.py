"""The Redis lease that makes exactly one AMI consumer run per Asterisk node (DESIGN.md).

While Redis is unreachable nobody can take the lease over, so the holder keeps running: a Redis
restart must not stop call control. When Redis comes back empty the holder takes the lease again.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.aio import honour_cancel

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class LeaseLost(Exception):
    """Another process holds the lease now: this one must stop consuming."""


class Lease:
    def __init__(self, redis: Redis, key: str, owner: str, ttl_s: float = 15.0) -> None:
        self._redis = redis
        self.key = key
        self.owner = owner
        self._ttl_ms = int(ttl_s * 1000)
        self.ttl_s = ttl_s

    async def acquire(self) -> bool:
        return bool(await self._redis.set(self.key, self.owner, nx=True, px=self._ttl_ms))

    async def renew(self) -> bool:
        """True while we hold it; re-takes it when Redis forgot it (restart); False when lost."""
        renewed = await self._redis.eval(_RENEW, 1, self.key, self.owner, str(self._ttl_ms))
        if renewed:
            return True
        return await self.acquire()

    async def release(self) -> None:
        try:
            await self._redis.eval(_RELEASE, 1, self.key, self.owner)
        except (RedisError, OSError) as exc:
            log.warning("lease: could not release %s (%s); it expires by itself", self.key, exc)

    async def wait_acquire(self, poll_s: float | None = None) -> None:
        poll = poll_s if poll_s is not None else self.ttl_s / 3
        announced = False
        while True:
            try:
                if await self.acquire():
                    log.info("lease: %s holds %s", self.owner, self.key)
                    return
                if not announced:
                    holder = await self._redis.get(self.key)
                    log.info("lease: %s is held by %r; standing by", self.key, holder)
                    announced = True
            except (RedisError, OSError) as exc:
                log.warning("lease: Redis unavailable (%s); waiting", exc)
            await asyncio.sleep(poll)

    async def keep(self) -> None:
        """Renews until the lease is lost (raises LeaseLost)."""
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            try:
                held = await self.renew()
                honour_cancel()
            except (RedisError, OSError) as exc:
                honour_cancel()
                log.warning("lease: Redis unavailable (%s); keeping on", exc)
                continue
            if not held:
                raise LeaseLost(f"{self.key} was taken over")

"""Login rate limiting, so a password cannot be guessed by trying faster than the locks allow,
and so nobody can lock someone else out of their account.

Two counters, both over `WINDOW_S` from their first failure:
- per (username, client address): after `MAX_FAILURES` failures that username is locked for
  `LOCK_S` *from that address only*. A third party failing logins of a user from elsewhere locks
  only itself; the user, at their own desk, logs in as usual.
- per client address, across usernames: after `MAX_ADDRESS_FAILURES` failures the address may not
  try any login for `LOCK_S` (one machine guessing through the staff list). The limit is high
  enough for a room of seats behind one NAT address mistyping now and then.
While locked, attempts are refused (HTTP 429) without checking the password.

State in Redis (shared by every web process): `<prefix>auth:fail:<username>` and
`<prefix>auth:lock:<username>` are hashes keyed by client address (count; lock end, epoch
seconds), so an admin's password reset clears one user's failures and locks in one command;
`<prefix>auth:addr-fail:<address>` and `<prefix>auth:addr-lock:<address>` are the address's.
A successful login clears its own (username, address) count only: the address's count stays, or
a guesser could reset it with one account it knows.

The client address is what the web server sees (`request.client.host`); behind a reverse proxy
that is the proxy's, unless uvicorn is told to trust its X-Forwarded-For (`--forwarded-allow-ips`).

When Redis is away the limiter lets attempts through (and logs it): refusing every login of
the centre because its cache is down would be worse than a few unthrottled attempts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 30
WINDOW_S = 15 * 60
LOCK_S = 15 * 60


@dataclass(frozen=True)
class Lock:
    seconds: int  # how long it still lasts
    whole_address: bool  # the address may not try any username (else: this username from here)

    def message(self) -> str:
        minutes = max(1, (self.seconds + 59) // 60)
        if self.whole_address:
            return f"此地址登录失败次数过多,已暂停登录,请{minutes}分钟后再试"
        return f"登录失败次数过多,该账号在此地址已临时锁定,请{minutes}分钟后再试或联系管理员重置密码"


class LoginLimiter:
    def __init__(self, redis: Redis, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock

    def _keys(self, username: str, address: str) -> tuple[str, str, str, str]:
        p = self._prefix
        return (
            f"{p}auth:fail:{username}",
            f"{p}auth:lock:{username}",
            f"{p}auth:addr-fail:{address}",
            f"{p}auth:addr-lock:{address}",
        )

    async def locked(self, username: str, address: str) -> Lock | None:
        """The lock that refuses this attempt, if any."""
        _, lock_key, _, addr_lock_key = self._keys(username, address)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.ttl(addr_lock_key)
                pipe.hget(lock_key, address)
                addr_ttl, until = await pipe.execute()
        except RedisError as exc:
            log.warning("auth: login limiter unavailable (%s)", exc)
            return None
        addr_ttl = int(addr_ttl)
        if addr_ttl == -1:  # a lock without expiry cannot come from here; do not lock for ever
            addr_ttl = LOCK_S
        if addr_ttl > 0:
            return Lock(addr_ttl, whole_address=True)
        left = int(float(until) - self._clock()) if until is not None else 0
        return Lock(min(left, LOCK_S), whole_address=False) if left > 0 else None

    async def failed(self, username: str, address: str) -> Lock | None:
        """Counts one failure; returns the lock it caused (None: none yet)."""
        fail_key, lock_key, addr_fail_key, addr_lock_key = self._keys(username, address)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                # Each window starts at its first failure: later ones do not extend it.
                pipe.hincrby(fail_key, address, 1)
                pipe.expire(fail_key, WINDOW_S, nx=True)
                pipe.incr(addr_fail_key)
                pipe.expire(addr_fail_key, WINDOW_S, nx=True)
                count, _, addr_count, _ = await pipe.execute()
            if int(addr_count) >= MAX_ADDRESS_FAILURES:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.set(addr_lock_key, "1", ex=LOCK_S)
                    pipe.delete(addr_fail_key)
                    await pipe.execute()
                log.warning(
                    "auth: address %s locked for %d s after %d failed logins", address, LOCK_S, addr_count
                )
                return Lock(LOCK_S, whole_address=True)
            if int(count) < MAX_FAILURES:
                return None
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(lock_key, address, str(self._clock() + LOCK_S))
                pipe.expire(lock_key, LOCK_S)  # the latest lock of the user is the longest
                pipe.hdel(fail_key, address)
                await pipe.execute()
        except RedisError as exc:
            log.warning("auth: could not count a failed login of %s (%s)", username, exc)
            return None
        log.warning(
            "auth: %s locked from %s for %d s after %d failed logins", username, address, LOCK_S, count
        )
        return Lock(LOCK_S, whole_address=False)

    async def succeeded(self, username: str, address: str) -> None:
        fail_key = self._keys(username, address)[0]
        try:
            await self._redis.hdel(fail_key, address)
        except RedisError as exc:
            log.warning("auth: could not clear the login failures of %s (%s)", username, exc)

    async def unlock(self, username: str) -> None:
        """After an admin's password reset: the user's failures and locks from every address."""
        fail_key, lock_key, _, _ = self._keys(username, "")
        try:
            await self._redis.delete(fail_key, lock_key)
        except RedisError as exc:
            log.warning("auth: could not clear the login locks of %s (%s)", username, exc)

"""Login rate limiting: after `MAX_FAILURES` failed logins for one username within `WINDOW_S`,
further attempts are refused for `LOCK_S` (HTTP 429), without even checking the password, so a
password cannot be guessed by trying faster than the lock allows.

State in Redis (shared by every web process): `<prefix>auth:fail:<username>` counts failures
(expires `WINDOW_S` after the first one), `<prefix>auth:lock:<username>` is the lock. A
successful login clears the count; an admin's password reset clears both.

When Redis is away the limiter lets attempts through (and logs it): refusing every login of
the centre because its cache is down would be worse than a few unthrottled attempts.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_S = 15 * 60
LOCK_S = 15 * 60


def _fail_key(prefix: str, username: str) -> str:
    return f"{prefix}auth:fail:{username}"


def _lock_key(prefix: str, username: str) -> str:
    return f"{prefix}auth:lock:{username}"


def locked_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return f"登录失败次数过多,账号已临时锁定,请{minutes}分钟后再试或联系管理员重置密码"


class LoginLimiter:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def locked_for(self, username: str) -> int:
        """Seconds the username stays locked (0: not locked)."""
        try:
            ttl = int(await self._redis.ttl(_lock_key(self._prefix, username)))
        except RedisError as exc:
            log.warning("auth: login limiter unavailable (%s)", exc)
            return 0
        if ttl == -1:  # a lock without expiry cannot come from here; do not lock for ever
            return LOCK_S
        return max(ttl, 0)

    async def failed(self, username: str) -> int:
        """Counts one failure; returns the seconds of the lock it caused (0: none yet)."""
        fail_key = _fail_key(self._prefix, username)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                # The window starts at the first failure: later ones do not extend it.
                pipe.set(fail_key, 0, ex=WINDOW_S, nx=True)
                pipe.incr(fail_key)
                _, count = await pipe.execute()
            if int(count) < MAX_FAILURES:
                return 0
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(_lock_key(self._prefix, username), "1", ex=LOCK_S)
                pipe.delete(fail_key)
                await pipe.execute()
        except RedisError as exc:
            log.warning("auth: could not count a failed login of %s (%s)", username, exc)
            return 0
        log.warning("auth: %s locked for %d s after %d failed logins", username, LOCK_S, MAX_FAILURES)
        return LOCK_S

    async def clear(self, username: str, *, unlock: bool = False) -> None:
        keys = [_fail_key(self._prefix, username)]
        if unlock:
            keys.append(_lock_key(self._prefix, username))
        try:
            await self._redis.delete(*keys)
        except RedisError as exc:
            log.warning("auth: could not clear the login failures of %s (%s)", username, exc)

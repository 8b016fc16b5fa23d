"""The one token check of the REST API and the websockets: signature and expiry (`tokens`), then
the account — still active, and the token issued under its current token version.

Why a token version (users.token_version, carried in the token as `ver`) and not a revocation
list: deactivating a user and resetting a password both bump it, so every token issued before
stops at once, and a reactivated user must log in again; nothing has to be remembered per token.

Why a Redis cache in front of the database: every REST request and every websocket message is
checked, and a database round trip each time would cost more than the request. The account
state (`<prefix>auth:account:<username>` = `<active>:<version>`) is cached for `CACHE_TTL_S`.
The admin API writes the new state into the cache right after its commit, so its changes apply
at once on every web process; the TTL only bounds how long a change made behind the API's back
(a manual SQL update) can take. Cache fills use SET NX so that a fill that read the database
just before an admin's commit cannot overwrite the admin's fresher value. When Redis is away the
check reads the database: slower, never laxer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlmodel import Session, select

from agent_desk.api.tokens import InvalidToken, TokenClaims, verify_token
from hotline.settings import Settings
from tickets.db import Database
from tickets.models import User

log = logging.getLogger(__name__)

CACHE_TTL_S = 60


@dataclass(frozen=True)
class AccountState:
    active: bool
    version: int

    def encode(self) -> str:
        return f"{int(self.active)}:{self.version}"

    @classmethod
    def decode(cls, raw: bytes | str) -> AccountState | None:
        text = raw.decode() if isinstance(raw, bytes) else raw
        active, sep, version = text.partition(":")
        if not sep or active not in ("0", "1"):
            return None
        try:
            return cls(active == "1", int(version))
        except ValueError:
            return None


# An unknown username (deleted, renamed) never matches: no token version is negative.
GONE = AccountState(False, -1)


def account_key(prefix: str, username: str) -> str:
    return f"{prefix}auth:account:{username}"


def load_account(session: Session, username: str) -> AccountState:
    user = session.exec(select(User).where(User.username == username)).first()
    return GONE if user is None else AccountState(user.active, user.token_version)


async def publish_account(redis: Redis, prefix: str, username: str, state: AccountState) -> None:
    """After a committed change of the account: every web process sees it at its next check."""
    try:
        await redis.set(account_key(prefix, username), state.encode(), ex=CACHE_TTL_S)
    except RedisError as exc:
        # Redis is away: the checks read the database meanwhile; a cached old state (if Redis
        # kept it) lasts at most CACHE_TTL_S.
        log.error("auth: could not publish the new state of %s (%s)", username, exc)


class TokenChecker:
    def __init__(self, settings: Settings, redis: Redis, db: Database) -> None:
        self._settings = settings
        self._redis = redis
        self._db = db

    async def verify(self, token: str, now: datetime | None = None) -> TokenClaims:
        """The token's claims, or InvalidToken with the reason (in Chinese) to show."""
        claims = verify_token(self._settings.token_secret, token, now or datetime.now(UTC))
        state = await self.account(claims.sub)
        if not state.active:
            raise InvalidToken("账号已停用或不存在,请联系管理员")
        if state.version != claims.ver:
            raise InvalidToken("令牌已失效(账号状态或密码已变更),请重新登录")
        return claims

    async def account(self, username: str) -> AccountState:
        key = account_key(self._settings.redis_prefix, username)
        try:
            raw = await self._redis.get(key)
        except RedisError as exc:
            log.warning("auth: Redis unavailable (%s); checking %s in the database", exc, username)
            return await self._db.run(lambda s: load_account(s, username))
        cached = AccountState.decode(raw) if raw is not None else None
        if cached is not None:
            return cached
        state = await self._db.run(lambda s: load_account(s, username))
        try:
            await self._redis.set(key, state.encode(), ex=CACHE_TTL_S, nx=True)
        except RedisError as exc:
            log.warning("auth: could not cache the state of %s (%s)", username, exc)
        return state

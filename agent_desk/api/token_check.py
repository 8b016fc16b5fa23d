"""The one token check of the REST API and the websockets: signature, key, audience and expiry
(`tokens`), then the account — still active, the token issued under its current token version —
and from the account, not from the token, who the caller is: role, unit, extension, name.

Why a token version (users.token_version, carried in the token as `ver`) and not a revocation
list: deactivating a user, resetting a password and changing a role, unit or extension all bump
it, so every token issued before stops at once, and a reactivated user must log in again;
nothing has to be remembered per token. Why the role is re-read all the same: a token never
speaks for privileges; a change made behind the API's back (a manual SQL update of the role)
still applies within `CACHE_TTL_S`.

Why a Redis cache in front of the database: every REST request and every websocket message is
checked, and a database round trip each time would cost more than the request. The account
(`<prefix>auth:account:<username>`, JSON) is cached for `CACHE_TTL_S`. The admin API writes the
new state into the cache right after its commit, so its changes apply at once on every web
process; the TTL only bounds how long a change made behind the API's back can take. Cache fills
use SET NX so that a fill that read the database just before an admin's commit cannot overwrite
the admin's fresher value. When Redis is away the check reads the database: slower, never laxer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlmodel import Session, select

from agent_desk.api.tokens import InvalidToken, TokenKeys, verify_token
from core.settings import Settings
from tickets.actors import Actor
from tickets.db import Database
from tickets.models import User
from tickets.vocab import Role

log = logging.getLogger(__name__)

CACHE_TTL_S = 60


@dataclass(frozen=True)
class AccountState:
    active: bool
    version: int
    role: str = ""
    unit_code: str | None = None
    extension: str | None = None
    display_name: str | None = None

    def encode(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def decode(cls, raw: bytes | str) -> AccountState | None:
        """None for anything this version did not write (then the database is read)."""
        try:
            data = json.loads(raw)
            state = cls(**data) if isinstance(data, dict) else None
        except (ValueError, TypeError):
            return None
        if state is None or not isinstance(state.active, bool) or not isinstance(state.version, int):
            return None
        return state

    @classmethod
    def of(cls, user: User) -> AccountState:
        return cls(
            active=user.active,
            version=user.token_version,
            role=str(user.role),
            unit_code=user.unit_code,
            extension=user.extension,
            display_name=user.display_name,
        )


# An unknown username (deleted, renamed) never matches: no token version is negative.
GONE = AccountState(False, -1)


@dataclass(frozen=True)
class Identity:
    """Who a valid token speaks for, as the account says now."""

    username: str
    role: Role
    unit_code: str | None
    extension: str | None
    display_name: str | None

    def actor(self) -> Actor:
        return Actor(
            username=self.username, role=self.role, unit_code=self.unit_code, extension=self.extension
        )


def account_key(prefix: str, username: str) -> str:
    return f"{prefix}auth:account:{username}"


def load_account(session: Session, username: str) -> AccountState:
    user = session.exec(select(User).where(User.username == username)).first()
    return GONE if user is None else AccountState.of(user)


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
        self._keys = TokenKeys.from_settings(settings)
        self._redis = redis
        self._db = db

    async def verify(self, token: str, now: datetime | None = None) -> Identity:
        """Who the token speaks for, or InvalidToken with the reason (in Chinese) to show."""
        claims = verify_token(self._keys, token, now or datetime.now(UTC))
        state = await self.account(claims.sub)
        if not state.active:
            raise InvalidToken("账号已停用或不存在,请联系管理员")
        if state.version != claims.ver:
            raise InvalidToken("令牌已失效(账号状态或密码已变更),请重新登录")
        try:
            role = Role(state.role)
        except ValueError as exc:
            raise InvalidToken("账号角色无效,请联系管理员") from exc
        if role == Role.SYSTEM:
            raise InvalidToken("系统角色不能通过令牌登录")
        return Identity(claims.sub, role, state.unit_code, state.extension, state.display_name)

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
            await self._redis.set(key, state.encode(), ex=CACHE_TTL_S, nx=raw is None)
        except RedisError as exc:
            log.warning("auth: could not cache the state of %s (%s)", username, exc)
        return state

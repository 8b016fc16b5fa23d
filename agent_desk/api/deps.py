"""Annotated dependencies: settings, database, the authenticated actor and role checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis

from agent_desk.api.errors import ApiError
from agent_desk.api.token_check import TokenChecker
from agent_desk.api.tokens import InvalidToken
from core.settings import Settings
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.db import Database
from tickets.vocab import Role


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Database, Depends(get_db)]
RedisDep = Annotated[Redis, Depends(get_redis)]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_bearer = HTTPBearer(auto_error=False, description="POST /api/auth/login 获得的令牌")


def get_token_checker(settings: SettingsDep, redis: RedisDep, db: DbDep) -> TokenChecker:
    return TokenChecker(settings, redis, db)


TokenCheckerDep = Annotated[TokenChecker, Depends(get_token_checker)]


async def current_actor(
    checker: TokenCheckerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "未登录:缺少访问令牌", "unauthorized", headers=_CHALLENGE)
    try:
        # Signature, key, audience, expiry, then the account: a deactivated user or a reset
        # password stops here, and the role comes from the account, not from the token.
        identity = await checker.verify(credentials.credentials)
    except InvalidToken as exc:
        raise ApiError(401, exc.reason, "unauthorized", headers=_CHALLENGE) from exc
    return identity.actor()


ActorDep = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: Role) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency that lets only these roles through (HTTP 403 with the reason otherwise)."""
    allowed = frozenset(roles)

    async def check(actor: ActorDep) -> Actor:
        if actor.role not in allowed:
            names = "、".join(sorted(r.value for r in allowed))
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"角色 {actor.role.value} 无权访问(允许:{names})")
        return actor

    return check


SeatDep = Annotated[Actor, Depends(require_roles(Role.SEAT, Role.SUPERVISOR))]
SupervisorDep = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
UnitHandlerDep = Annotated[Actor, Depends(require_roles(Role.UNIT_HANDLER))]
AuditorDep = Annotated[Actor, Depends(require_roles(Role.AUDITOR, Role.ADMIN))]
AdminDep = Annotated[Actor, Depends(require_roles(Role.ADMIN))]
# Read-only views of the centre's work (the wallboard's supervision box): admins look, not act.
CentreReaderDep = Annotated[Actor, Depends(require_roles(Role.SEAT, Role.SUPERVISOR, Role.ADMIN))]
KpiReaderDep = Annotated[
    Actor, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.UNIT_HANDLER))
]


def ctx(settings: SettingsDep) -> Ctx:
    return Ctx(settings, datetime.now(UTC))


CtxDep = Annotated[Ctx, Depends(ctx)]

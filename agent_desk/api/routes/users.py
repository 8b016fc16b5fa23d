"""Account administration (admins only): list, create, change, deactivate, reactivate, reset a
password.

Each change is audit-logged (tickets.accounts) and published to the token check's cache right
after the commit, so a deactivated user's tokens stop on every web process at once and a new role
applies at the next request. A new password must be strong (tickets.passwords.check_strength).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import Session

from agent_desk.api.deps import AdminDep, DbDep, RedisDep, SettingsDep
from agent_desk.api.errors import AUTH_ERRORS, ErrorBody
from agent_desk.api.login_limit import LoginLimiter
from agent_desk.api.params import UsernamePath
from agent_desk.api.token_check import AccountState, publish_account
from tickets import accounts
from tickets.actors import Actor

router = APIRouter(
    prefix="/api/admin/users",
    tags=["users"],
    responses={
        **AUTH_ERRORS,
        404: {"model": ErrorBody, "description": "用户不存在"},
        409: {"model": ErrorBody, "description": "用户名或分机号已被占用(未做任何修改)"},
        422: {"model": ErrorBody, "description": "角色、单位与分机不匹配、密码太弱或输入无效(未做任何修改)"},
    },
)


class _AccountWrites:
    """What every account change needs: the database, then the token check's cache (Redis)."""

    def __init__(self, db: DbDep, redis: RedisDep, settings: SettingsDep) -> None:
        self.db, self.redis, self.settings = db, redis, settings

    async def run(self, change: Callable[[Session, datetime], accounts.UserView]) -> accounts.UserView:
        """`change(session, now)` committed; its result not yet published."""
        now = datetime.now(UTC)
        return await self.db.run(lambda s: change(s, now))

    async def publish(self, user: accounts.UserView) -> accounts.UserView:
        """Right after the commit, so every web process applies the change at its next request."""
        state = AccountState(
            active=user.active,
            version=user.token_version,
            role=user.role,
            unit_code=user.unit_code,
            extension=user.extension,
            display_name=user.display_name,
        )
        await publish_account(self.redis, self.settings.redis_prefix, user.username, state)
        return user


WritesDep = Annotated[_AccountWrites, Depends()]


@router.get("", response_model=list[accounts.UserView], summary="用户列表")
async def list_users(_actor: AdminDep, db: DbDep) -> list[accounts.UserView]:
    return await db.run(accounts.list_users)


@router.post(
    "", response_model=accounts.UserView, status_code=status.HTTP_201_CREATED, summary="新建账号"
)
async def create_user(body: accounts.NewUser, actor: AdminDep, writes: WritesDep) -> accounts.UserView:
    return await writes.publish(await writes.run(lambda s, now: accounts.create_user(s, actor, body, now)))


@router.patch(
    "/{username}", response_model=accounts.UserView, summary="修改账号(改角色/单位/分机则旧令牌失效)"
)
async def update_user(
    username: UsernamePath, body: accounts.UserChange, actor: AdminDep, writes: WritesDep
) -> accounts.UserView:
    user = await writes.run(lambda s, now: accounts.update_user(s, actor, username, body, now))
    return await writes.publish(user)


async def _set_active(
    writes: _AccountWrites, actor: Actor, username: str, active: bool, note: str
) -> accounts.UserView:
    user = await writes.run(lambda s, now: accounts.set_active(s, actor, username, active, note, now))
    return await writes.publish(user)


@router.post("/{username}/deactivate", response_model=accounts.UserView, summary="停用账号(令牌立即失效)")
async def deactivate(
    username: UsernamePath, body: accounts.StatusChange, actor: AdminDep, writes: WritesDep
) -> accounts.UserView:
    return await _set_active(writes, actor, username, False, body.note)


@router.post("/{username}/reactivate", response_model=accounts.UserView, summary="恢复账号(须重新登录)")
async def reactivate(
    username: UsernamePath, body: accounts.StatusChange, actor: AdminDep, writes: WritesDep
) -> accounts.UserView:
    return await _set_active(writes, actor, username, True, body.note)


@router.post(
    "/{username}/password", response_model=accounts.UserView, summary="重置密码(旧令牌失效,解除登录锁定)"
)
async def reset_password(
    username: UsernamePath, body: accounts.PasswordReset, actor: AdminDep, writes: WritesDep
) -> accounts.UserView:
    user = await writes.run(lambda s, now: accounts.reset_password(s, actor, username, body, now))
    await LoginLimiter(writes.redis, writes.settings.redis_prefix).unlock(username)
    return await writes.publish(user)

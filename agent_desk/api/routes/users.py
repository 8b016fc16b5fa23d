"""Account administration (admins only): list, create, change, deactivate, reactivate, reset a
password.

Each change is audit-logged (tickets.accounts) and published to the token check's cache right
after the commit, so a deactivated user's tokens stop on every web process at once and a new role
applies at the next request. A new password must be strong (tickets.passwords.check_strength).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from agent_desk.api.deps import AdminDep, DbDep, RedisDep, SettingsDep
from agent_desk.api.errors import AUTH_ERRORS, ErrorBody
from agent_desk.api.login_limit import LoginLimiter
from agent_desk.api.params import UsernamePath
from agent_desk.api.token_check import AccountState, publish_account
from tickets import accounts

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


async def _published(redis: RedisDep, settings: SettingsDep, user: accounts.UserView) -> accounts.UserView:
    state = AccountState(
        active=user.active,
        version=user.token_version,
        role=user.role,
        unit_code=user.unit_code,
        extension=user.extension,
        display_name=user.display_name,
    )
    await publish_account(redis, settings.redis_prefix, user.username, state)
    return user


@router.get("", response_model=list[accounts.UserView], summary="用户列表")
async def list_users(_actor: AdminDep, db: DbDep) -> list[accounts.UserView]:
    return await db.run(accounts.list_users)


@router.post(
    "", response_model=accounts.UserView, status_code=status.HTTP_201_CREATED, summary="新建账号"
)
async def create_user(
    body: accounts.NewUser, actor: AdminDep, db: DbDep, redis: RedisDep, settings: SettingsDep
) -> accounts.UserView:
    now = datetime.now(UTC)
    user = await db.run(lambda s: accounts.create_user(s, actor, body, now))
    return await _published(redis, settings, user)


@router.patch(
    "/{username}", response_model=accounts.UserView, summary="修改账号(改角色/单位/分机则旧令牌失效)"
)
async def update_user(
    username: UsernamePath,
    body: accounts.UserChange,
    actor: AdminDep,
    db: DbDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> accounts.UserView:
    now = datetime.now(UTC)
    user = await db.run(lambda s: accounts.update_user(s, actor, username, body, now))
    return await _published(redis, settings, user)


@router.post("/{username}/deactivate", response_model=accounts.UserView, summary="停用账号(令牌立即失效)")
async def deactivate(
    username: UsernamePath,
    body: accounts.StatusChange,
    actor: AdminDep,
    db: DbDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> accounts.UserView:
    now = datetime.now(UTC)
    user = await db.run(lambda s: accounts.set_active(s, actor, username, False, body.note, now))
    return await _published(redis, settings, user)


@router.post("/{username}/reactivate", response_model=accounts.UserView, summary="恢复账号(须重新登录)")
async def reactivate(
    username: UsernamePath,
    body: accounts.StatusChange,
    actor: AdminDep,
    db: DbDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> accounts.UserView:
    now = datetime.now(UTC)
    user = await db.run(lambda s: accounts.set_active(s, actor, username, True, body.note, now))
    return await _published(redis, settings, user)


@router.post(
    "/{username}/password", response_model=accounts.UserView, summary="重置密码(旧令牌失效,解除登录锁定)"
)
async def reset_password(
    username: UsernamePath,
    body: accounts.PasswordReset,
    actor: AdminDep,
    db: DbDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> accounts.UserView:
    now = datetime.now(UTC)
    user = await db.run(lambda s: accounts.reset_password(s, actor, username, body, now))
    await LoginLimiter(redis, settings.redis_prefix).unlock(username)
    return await _published(redis, settings, user)

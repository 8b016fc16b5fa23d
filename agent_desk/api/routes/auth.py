"""Login (rate limited per username: `login_limit`) and the current user."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from agent_desk.api.deps import ActorDep, DbDep, RedisDep, SettingsDep
from agent_desk.api.errors import AUTH_ERRORS, ErrorBody
from agent_desk.api.login_limit import LoginLimiter, locked_message
from agent_desk.api.tokens import issue_token, new_claims
from tickets.actors import Actor
from tickets.models import User
from tickets.passwords import verify_password
from tickets.vocab import Role

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginInput(BaseModel):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class Me(BaseModel):
    username: str
    display_name: str | None
    role: Role
    unit_code: str | None
    extension: str | None


class LoginResult(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: Me


@router.post(
    "/login",
    response_model=LoginResult,
    summary="用户名+密码登录,返回令牌",
    responses={
        401: AUTH_ERRORS[401],
        429: {"model": ErrorBody, "description": "登录失败次数过多,暂时锁定(见 Retry-After)"},
    },
)
async def login(body: LoginInput, db: DbDep, settings: SettingsDep, redis: RedisDep) -> LoginResult:
    limiter = LoginLimiter(redis, settings.redis_prefix)
    locked = await limiter.locked_for(body.username)
    if locked:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, locked_message(locked), headers={"Retry-After": str(locked)}
        )

    def check(session: Session) -> User | None:
        user = session.exec(select(User).where(User.username == body.username)).first()
        if user is None or not user.active or not verify_password(body.password, user.password_hash):
            return None
        return user

    user = await db.run(check)
    if user is None:
        await limiter.failed(body.username)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "用户名或密码错误")
    await limiter.clear(body.username)
    actor = Actor(
        username=user.username, role=Role(user.role), unit_code=user.unit_code, extension=user.extension
    )
    claims = new_claims(actor, user.display_name, datetime.now(UTC), version=user.token_version)
    return LoginResult(
        access_token=issue_token(settings.token_secret, claims),
        expires_at=datetime.fromtimestamp(claims.exp, UTC),
        user=Me(
            username=user.username,
            display_name=user.display_name,
            role=actor.role,
            unit_code=user.unit_code,
            extension=user.extension,
        ),
    )


@router.get("/me", response_model=Me, summary="当前登录用户", responses=AUTH_ERRORS)
async def me(actor: ActorDep, db: DbDep) -> Me:
    def name(session: Session) -> str | None:
        user = session.exec(select(User).where(User.username == actor.username)).first()
        return user.display_name if user else None

    return Me(
        username=actor.username,
        display_name=await db.run(name),
        role=actor.role,
        unit_code=actor.unit_code,
        extension=actor.extension,
    )

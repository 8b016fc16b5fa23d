"""Login (rate limited per username and client address: `login_limit`) and the current user."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from agent_desk.api.deps import ActorDep, DbDep, RedisDep, SettingsDep
from agent_desk.api.errors import AUTH_ERRORS, ApiError, ErrorBody
from agent_desk.api.login_limit import Lock, LoginLimiter
from agent_desk.api.tokens import TokenKeys, issue_token, new_claims
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
async def login(
    body: LoginInput, request: Request, db: DbDep, settings: SettingsDep, redis: RedisDep
) -> LoginResult:
    limiter = LoginLimiter(redis, settings.redis_prefix)
    address = request.client.host if request.client else "unknown"
    lock = await limiter.locked(body.username, address)
    if lock is not None:
        raise _refused(lock)

    def check(session: Session) -> User | None:
        user = session.exec(select(User).where(User.username == body.username)).first()
        if user is None or not user.active or not verify_password(body.password, user.password_hash):
            return None
        return user

    user = await db.run(check)
    if user is None:
        lock = await limiter.failed(body.username, address)
        if lock is not None and lock.whole_address:
            raise _refused(lock)
        raise ApiError(401, "用户名或密码错误", "unauthorized")
    await limiter.succeeded(body.username, address)
    claims = new_claims(user.username, user.token_version, settings.token_audience, datetime.now(UTC))
    return LoginResult(
        access_token=issue_token(TokenKeys.from_settings(settings), claims),
        expires_at=datetime.fromtimestamp(claims.exp, UTC),
        user=Me(
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            unit_code=user.unit_code,
            extension=user.extension,
        ),
    )


def _refused(lock: Lock) -> ApiError:
    return ApiError(429, lock.message(), "too_many_requests", headers={"Retry-After": str(lock.seconds)})


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

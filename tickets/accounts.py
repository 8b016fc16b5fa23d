"""Account administration by admins: deactivate, reactivate, reset a password. Every change is
written to the audit log (DOMAIN.md §9: access is by role; who changed whose access is kept).

Deactivation and a password reset bump the user's token version, which revokes every token
issued before (agent_desk.api.token_check); reactivation does not, so the user logs in again.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.errors import InvalidInput, NotFound
from tickets.models import AuditLog, User
from tickets.passwords import hash_password

MIN_PASSWORD_LENGTH = 8


class UserView(BaseModel):
    username: str
    display_name: str
    role: str
    unit_code: str | None
    extension: str | None
    active: bool
    token_version: int


class PasswordReset(BaseModel):
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)
    note: str = Field(default="", max_length=300)


class StatusChange(BaseModel):
    note: str = Field(default="", max_length=300)


def view(user: User) -> UserView:
    return UserView(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        unit_code=user.unit_code,
        extension=user.extension,
        active=user.active,
        token_version=user.token_version,
    )


def list_users(session: Session) -> list[UserView]:
    return [view(u) for u in session.exec(select(User).order_by(col(User.username))).all()]


def _load(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username).with_for_update()).first()
    if user is None:
        raise NotFound(f"用户不存在:{username}")
    return user


def _audit(session: Session, actor: Actor, action: str, subject: str, note: str, now: datetime) -> None:
    session.add(
        AuditLog(
            at=now, actor=actor.username, role=actor.role.value, action=action, subject=subject, note=note
        )
    )


def set_active(
    session: Session, actor: Actor, username: str, active: bool, note: str, now: datetime
) -> UserView:
    if not active and username == actor.username:
        raise InvalidInput("不能停用自己的账号")
    user = _load(session, username)
    if user.active == active:
        return view(user)  # nothing changes, nothing is logged
    user.active = active
    if not active:
        user.token_version += 1  # every token of the user stops at once
    session.add(user)
    _audit(session, actor, "user_reactivate" if active else "user_deactivate", username, note, now)
    session.flush()
    return view(user)


def reset_password(
    session: Session, actor: Actor, username: str, data: PasswordReset, now: datetime
) -> UserView:
    if not data.new_password.strip():
        raise InvalidInput("新密码不能为空白")
    user = _load(session, username)
    user.password_hash = hash_password(data.new_password)
    user.token_version += 1  # a reset usually follows a leak: sessions on the old password end
    session.add(user)
    # The password itself is never logged.
    _audit(session, actor, "password_reset", username, data.note, now)
    session.flush()
    return view(user)

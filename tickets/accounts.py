"""Account administration by admins: create, change, deactivate, reactivate, reset a password.
Every change is written to the audit log (DOMAIN.md §9: access is by role; who changed whose
access is kept).

Deactivation, a password reset and a change of role or unit bump the user's token version, which
revokes every token issued before (agent_desk.api.token_check): a token never carries privileges
its user no longer has. Reactivation does not, so the user logs in again.

Every password set here (an admin's create or reset, `hotline user add/passwd`) must be strong
(tickets.passwords.check_strength: zxcvbn score 3 of 4, not containing the username). The demo
seed (tickets.demo, refused in production mode) writes its hashes directly and is not checked.

Who belongs where (DOMAIN.md §7, §9): the centre's staff (seats, supervisors, admins, auditors)
belong to the centre, a tier-1 unit; a unit handler belongs to one unit below it, and sees only
that unit's tickets. A seat has the softphone extension its desk is bound to, unique among the
active seats.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.errors import Conflict, InvalidInput, NotFound
from tickets.models import AuditLog, Unit, User
from tickets.passwords import check_strength, hash_password
from tickets.vocab import Role

MIN_PASSWORD_LENGTH = 8
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
EXTENSION = re.compile(r"^[0-9]{3,8}$")
# The roles a person can hold; SYSTEM is the ticket writer's and the scheduler's.
PERSON_ROLES = (Role.SEAT, Role.SUPERVISOR, Role.UNIT_HANDLER, Role.ADMIN, Role.AUDITOR)
ROLE_LABELS = {
    Role.SEAT: "话务员",
    Role.SUPERVISOR: "值班长",
    Role.UNIT_HANDLER: "承办单位人员",
    Role.ADMIN: "系统管理员",
    Role.AUDITOR: "审计员",
}


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


class NewUser(BaseModel):
    username: str = Field(max_length=60, description="3-60 个小写字母、数字或 . _ -")
    display_name: str = Field(min_length=1, max_length=60)
    role: Role
    unit_code: str = Field(max_length=40, description="中心人员为中心(一级单位),承办人员为本单位")
    extension: str | None = Field(default=None, max_length=20, description="话务员必填:分机号")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)
    note: str = Field(default="", max_length=300)


class UserChange(BaseModel):
    """Only the fields given change; `extension: null` removes a supervisor's extension."""

    display_name: str | None = Field(default=None, min_length=1, max_length=60)
    role: Role | None = None
    unit_code: str | None = Field(default=None, max_length=40)
    extension: str | None = Field(default=None, max_length=20)
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
            at=now, actor=actor.username, role=actor.role, action=action, subject=subject, note=note
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


def _check_placement(
    session: Session, role: Role, unit_code: str, extension: str | None, username: str
) -> None:
    """Refuses a role, unit and extension that do not fit together (see the module docstring)."""
    if role not in PERSON_ROLES:
        raise InvalidInput(f"不能创建角色为 {role.value} 的账号")
    unit = session.get(Unit, unit_code)
    if unit is None:
        raise InvalidInput(f"单位不存在:{unit_code}")
    if not unit.active:
        raise InvalidInput(f"单位已停用:{unit.name}")
    if role == Role.UNIT_HANDLER and unit.tier == 1:
        raise InvalidInput("承办单位人员须属于承办单位,不能属于热线中心")
    if role != Role.UNIT_HANDLER and unit.tier != 1:
        raise InvalidInput(f"{ROLE_LABELS[role]}须属于热线中心(一级单位),不能属于 {unit.name}")
    if extension is not None:
        if role not in (Role.SEAT, Role.SUPERVISOR):
            raise InvalidInput(f"{ROLE_LABELS[role]}没有分机号")
        if not EXTENSION.match(extension):
            raise InvalidInput("分机号须为 3-8 位数字")
        taken = session.exec(
            select(User.username).where(
                User.extension == extension,
                col(User.active).is_(True),
                User.username != username,
            )
        ).first()
        if taken is not None:
            raise Conflict(f"分机号 {extension} 已由账号 {taken} 使用")
    elif role == Role.SEAT:
        raise InvalidInput("话务员须绑定分机号")


def create_user(session: Session, actor: Actor, data: NewUser, now: datetime) -> UserView:
    username = data.username.strip()
    if not USERNAME.match(username):
        raise InvalidInput("用户名须为 3-60 个小写字母、数字或 . _ -,且以字母或数字开头")
    if not data.password.strip():
        raise InvalidInput("密码不能为空白")
    display_name = data.display_name.strip()
    if not display_name:
        raise InvalidInput("姓名不能为空白")
    check_strength(data.password, username, [display_name])
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"用户名已存在:{username}")
    extension = (data.extension or "").strip() or None
    _check_placement(session, data.role, data.unit_code, extension, username)
    user = User(
        username=username,
        display_name=display_name,
        role=data.role,
        unit_code=data.unit_code,
        extension=extension,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    note = f"{ROLE_LABELS[data.role]} · {data.unit_code}" + (f" · 分机 {extension}" if extension else "")
    _audit(session, actor, "user_create", username, (note + " " + data.note).strip(), now)
    session.flush()
    return view(user)


def update_user(
    session: Session, actor: Actor, username: str, change: UserChange, now: datetime
) -> UserView:
    given = change.model_fields_set
    user = _load(session, username)
    role = change.role if change.role is not None else Role(user.role)
    unit_code = change.unit_code if change.unit_code is not None else user.unit_code
    if unit_code is None:
        raise InvalidInput("请指定单位")
    extension = user.extension
    if "extension" in given:
        extension = (change.extension or "").strip() or None
    elif role not in (Role.SEAT, Role.SUPERVISOR):
        extension = None  # a seat moved to another role leaves its desk's extension free
    if username == actor.username and role != Role(user.role):
        raise InvalidInput("不能修改自己的角色")
    _check_placement(session, role, unit_code, extension, username)
    changed: list[str] = []
    if change.display_name is not None and change.display_name.strip() != user.display_name:
        if not change.display_name.strip():
            raise InvalidInput("姓名不能为空白")
        user.display_name = change.display_name.strip()
        changed.append(f"姓名 → {user.display_name}")
    privileges = False
    if role != user.role:
        changed.append(f"角色 {ROLE_LABELS.get(Role(user.role), user.role)} → {ROLE_LABELS[role]}")
        user.role = role
        privileges = True
    if unit_code != user.unit_code:
        changed.append(f"单位 {user.unit_code} → {unit_code}")
        user.unit_code = unit_code
        privileges = True
    if extension != user.extension:
        changed.append(f"分机 {user.extension or '无'} → {extension or '无'}")
        user.extension = extension
        privileges = True  # the desk is bound to the extension in the token
    if not changed:
        return view(user)  # nothing changes, nothing is logged
    if privileges:
        user.token_version += 1
    session.add(user)
    _audit(session, actor, "user_update", username, ("; ".join(changed) + " " + change.note).strip(), now)
    session.flush()
    return view(user)


def reset_password(
    session: Session, actor: Actor, username: str, data: PasswordReset, now: datetime
) -> UserView:
    if not data.new_password.strip():
        raise InvalidInput("新密码不能为空白")
    user = _load(session, username)
    check_strength(data.new_password, user.username, [user.display_name])
    user.password_hash = hash_password(data.new_password)
    user.token_version += 1  # a reset usually follows a leak: sessions on the old password end
    session.add(user)
    # The password itself is never logged.
    _audit(session, actor, "password_reset", username, data.note, now)
    session.flush()
    return view(user)

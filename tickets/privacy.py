"""Privacy (DOMAIN.md §9): masking, unit scoping, hiding complainants, the audit log."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.errors import Forbidden
from tickets.models import Assignment, AuditLog, Ticket
from tickets.vocab import Role, TicketType

HIDDEN = "(已隐去)"
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_name(name: str | None) -> str | None:
    """张三 → 张**: the surname stays, the length of the given name is not revealed."""
    if not name:
        return name
    return name.strip()[:1] + "**"


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678; short numbers keep only their last two digits."""
    if not phone:
        return phone
    digits = phone.strip()
    # DOMAIN.md §9: 3 + 4 shown hides four digits only from 11 on (a mobile, or a landline with its
    # area code); of a 7- or 8-digit local number it would show nearly all of it.
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    shown = digits[-2:] if len(digits) > 2 else ""
    return "*" * (len(digits) - len(shown)) + shown


def mask_address(address: str | None) -> str | None:
    if not address:
        return address
    return address[:6] + "****" if len(address) > 6 else address[:2] + "****"


def mask_text(text: str) -> str:
    """Mobile numbers a citizen spoke into the content are masked too."""
    return _PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def can_read_personal_data(actor: Actor) -> bool:
    return actor.role in (Role.SEAT, Role.SUPERVISOR, Role.UNIT_HANDLER)


def scope_clause(actor: Actor) -> ColumnElement[bool]:
    """Which tickets the actor may see: the centre sees all, a unit only its active assignments."""
    if actor.role == Role.UNIT_HANDLER:
        if not actor.unit_code:
            return false()
        mine = select(Assignment.ticket_id).where(
            Assignment.unit_code == actor.unit_code, col(Assignment.active).is_(True)
        )
        return col(Ticket.id).in_(mine)
    if actor.role in (Role.SEAT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.SYSTEM):
        return true()
    return false()


def ensure_visible(session: Session, actor: Actor, ticket: Ticket) -> None:
    if actor.role != Role.UNIT_HANDLER:
        return
    row = session.exec(
        select(Assignment.id).where(
            Assignment.ticket_id == ticket.id,
            Assignment.unit_code == actor.unit_code,
            col(Assignment.active).is_(True),
        )
    ).first()
    if row is None:
        raise Forbidden("该工单不属于本单位,无权查看")


def identity_hidden(actor: Actor, ticket: Ticket) -> bool:
    """DOMAIN.md §9: never reveal a complainant to the unit complained about or reported."""
    return (
        actor.role == Role.UNIT_HANDLER
        and ticket.type in (TicketType.COMPLAINT, TicketType.REPORT)
        and ticket.complained_unit_code is not None
        and ticket.complained_unit_code == actor.unit_code
    )


def audit(
    session: Session, actor: Actor, action: str, subject: str, fields: str, now: datetime, note: str = ""
) -> None:
    """One row per read of personal data; the table is append-only (`guard_append_only`)."""
    session.add(
        AuditLog(
            at=now,
            actor=actor.username,
            role=actor.role,
            action=action,
            subject=subject,
            fields=fields,
            note=note,
        )
    )

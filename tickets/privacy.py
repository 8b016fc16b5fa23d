"""Privacy helpers (DOMAIN.md §9): masks of the citizen's own fields, and the audit log.

Who sees what (scoping, hidden complainants, free text by content) is `tickets.policy`; these are
the masks of a name and a number it applies to a single field (`tickets.policy.shown`). Free text
and addresses are masked by content (`tickets.privacy_text`), never here.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tickets.actors import Actor
from tickets.models import AuditLog

HIDDEN = "(已隐去)"


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

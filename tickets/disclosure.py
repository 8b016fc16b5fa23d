"""受理公开 (001 六): closed tickets whose citizen consented, masked by `tickets.policy`; and the
audit log's reading (masked as well)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from tickets import policy
from tickets.models import Category, Ticket, Unit
from tickets.policy import AuditView, DisclosureItem
from tickets.vocab import Status

__all__ = ["AuditView", "DisclosureItem", "audit_entries", "public_list"]


def public_list(session: Session, limit: int = 50, offset: int = 0) -> list[DisclosureItem]:
    rows = session.exec(
        select(Ticket)
        .where(col(Ticket.consent_disclosure).is_(True))
        .where(col(Ticket.status).in_([Status.CLOSED.value, Status.ARCHIVED.value]))
        .order_by(col(Ticket.closed_at).desc(), col(Ticket.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    categories = {c.code: c.name for c in session.exec(select(Category)).all()}
    units = {u.code: u.name for u in session.exec(select(Unit)).all()}
    return policy.disclosure_items(rows, categories, units)


def audit_entries(
    session: Session, actor: str | None = None, subject: str | None = None, limit: int = 200, offset: int = 0
) -> list[AuditView]:
    return policy.audit_entries(session, actor, subject, limit, offset)

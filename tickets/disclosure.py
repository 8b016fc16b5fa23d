"""受理公开 (001 六): closed tickets whose citizen consented, with names and numbers masked."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tickets.models import AuditLog, Category, Ticket, Unit
from tickets.privacy import mask_name, mask_text
from tickets.schemas import DisclosureItem
from tickets.vocab import Status


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
    return [
        DisclosureItem(
            ticket_no=t.ticket_no,
            type=t.type,
            category=categories.get(t.category_code or ""),
            title=mask_text(t.title),
            content=mask_text(t.content),
            citizen=mask_name(t.citizen_name),
            unit=units.get(t.lead_unit_code or ""),
            reply=mask_text(t.reply_text) if t.reply_text else None,
            # DOMAIN.md §9: the handler's name is masked too.
            handler=mask_name(t.reply_person),
            closed_at=t.closed_at,
        )
        for t in rows
    ]


class AuditView(BaseModel):
    at: str
    actor: str
    role: str
    action: str
    subject: str
    fields: str
    note: str


def audit_entries(
    session: Session, actor: str | None = None, subject: str | None = None, limit: int = 200, offset: int = 0
) -> list[AuditView]:
    stmt = select(AuditLog).order_by(col(AuditLog.id).desc()).offset(offset).limit(limit)
    if actor:
        stmt = stmt.where(AuditLog.actor == actor)
    if subject:
        stmt = stmt.where(AuditLog.subject == subject)
    return [
        AuditView(
            at=a.at.isoformat(),
            actor=a.actor,
            role=a.role,
            action=a.action,
            subject=a.subject,
            fields=a.fields,
            note=a.note,
        )
        for a in session.exec(stmt).all()
    ]

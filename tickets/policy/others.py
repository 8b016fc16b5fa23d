"""The builders of the views around tickets: public disclosure, call-back tasks, the supervision
board, the unit topic's deltas and the audit log. Same table, same masking as the ticket views."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from tickets.lifecycle import STATUS_LABELS
from tickets.models import Assignment, AuditLog, CallbackTask, Ticket
from tickets.policy import shown
from tickets.policy.build import overdue
from tickets.policy.live import UnitDelta
from tickets.policy.rules import Level, Relation
from tickets.policy.scope import PUBLIC, Viewer, access_of, assignments_of, relation, unit_viewer
from tickets.policy.views import AuditView, BoardItem, CallbackTaskView, DisclosureItem, UnitBoard
from tickets.privacy import mask_name, mask_phone
from tickets.vocab import CallbackKind


def disclosure_items(
    tickets: Sequence[Ticket], categories: Mapping[str, str], units: Mapping[str, str]
) -> list[DisclosureItem]:
    """受理公开 (001 六, DOMAIN.md §9): only consented tickets, names and numbers masked, the
    citizen's address cut to its street, the handler's name masked too."""
    rule = access_of(PUBLIC, Relation.NONE)
    return [
        DisclosureItem(
            ticket_no=t.ticket_no,
            type=t.type,
            category=categories.get(t.category_code or ""),
            title=shown.title(t, rule.text_in_list),
            content=shown.text(t, t.content, rule.text) or "",
            citizen=shown.name(rule.identity, t.citizen_name),
            unit=units.get(t.lead_unit_code or ""),
            reply=shown.text(t, t.reply_text, rule.text),
            handler=mask_name(t.reply_person),
            closed_at=t.closed_at,
        )
        for t in tickets
        if t.consent_disclosure
    ]


def callback_task(
    viewer: Viewer, task: CallbackTask, ticket: Ticket | None, now: datetime
) -> CallbackTaskView:
    """A seat calls the number back: the centre's detail level (full, the list read is audited)."""
    rule = access_of(viewer, Relation.NONE)
    who: Ticket | shown.Citizen = ticket if ticket is not None else shown.Citizen(phone=task.phone)
    return CallbackTaskView(
        id=task.id or 0,
        kind=CallbackKind(task.kind),
        phone=shown.phone(rule.identity, task.phone) or "",
        ticket_no=ticket.ticket_no if ticket is not None else None,
        created_at=task.created_at,
        due_at=task.due_at,
        overdue=not task.done and now > task.due_at,
        done=task.done,
        attempts=task.attempts,
        note=shown.text(who, task.note, rule.text) or "",
    )


def board(
    session: Session,
    viewer: Viewer,
    entries: Sequence[tuple[str, Ticket, str, datetime]],
    unit_names: Mapping[str, str],
    now: datetime,
) -> list[UnitBoard]:
    """The supervision board from (unit, ticket, clock, due) rows, per unit, in the given order;
    titles at the viewer's list level (a wall screen is a list, public to the room)."""
    tickets = [t for _code, t, _clock, _due in entries]
    roles = assignments_of(session, viewer, [t.id for t in tickets if t.id is not None])
    boards: dict[str, UnitBoard] = {}
    for code, t, clock, due in entries:
        rule = access_of(viewer, relation(viewer, t, roles.get(t.id or 0)))
        if not rule.visible:
            continue
        item = BoardItem(
            ticket_no=t.ticket_no,
            title=shown.title(t, rule.text_in_list),
            status=t.status,
            urgency=t.urgency,
            clock=clock,
            due=due,
            supervision_level=t.supervision_level,
        )
        row = boards.setdefault(
            code, UnitBoard(unit_code=code, unit_name=unit_names.get(code, code), overdue=[], due_soon=[])
        )
        (row.overdue if due < now else row.due_soon).append(item)
    return list(boards.values())


def unit_deltas(
    session: Session, ticket: Ticket, action: str, rows: Sequence[Assignment], now: datetime
) -> list[UnitDelta]:
    """One delta per unit whose view of the ticket changed: identifiers, state and clocks only
    (no identity, no text at any level), and only to a unit the policy lets see the ticket — or
    the unit that just lost it (`assigned=False`), so that its portal drops the row."""
    roles: dict[str, str | None] = {}
    for a in rows:  # an active assignment wins over one the same action ended
        if a.active:
            roles[a.unit_code] = a.role
        else:
            roles.setdefault(a.unit_code, None)
    out: list[UnitDelta] = []
    for code, role in sorted(roles.items()):
        viewer = unit_viewer(session, code)
        if role is not None and not access_of(viewer, relation(viewer, ticket, role)).visible:
            continue
        out.append(
            UnitDelta(
                unit_code=code,
                ticket_no=ticket.ticket_no,
                action=action,
                status=ticket.status,
                status_label=STATUS_LABELS.get(ticket.status, ticket.status),
                assigned=role is not None,
                role=role,
                urgency=ticket.urgency,
                response_due=ticket.response_due,
                complete_due=ticket.complete_due,
                overdue=overdue(ticket, now),
                supervision_level=ticket.supervision_level,
                priority=ticket.priority,
            )
        )
    return out


def audit_entries(
    session: Session, actor: str | None = None, subject: str | None = None, limit: int = 200, offset: int = 0
) -> list[AuditView]:
    """The audit log for auditors and admins: what was read is masked too (a number searched for,
    an unmask reason), so that reading the log is not itself a read of personal data."""
    stmt = select(AuditLog).order_by(col(AuditLog.id).desc()).offset(offset).limit(limit)
    if actor:
        stmt = stmt.where(AuditLog.actor == actor)
    if subject:
        stmt = stmt.where(AuditLog.subject == subject)
    nobody = shown.Citizen()
    return [
        AuditView(
            at=a.at.isoformat(),
            actor=a.actor,
            role=a.role,
            action=a.action,
            # A number searched for or profiled: 138****5678, still telling the auditor which one.
            subject=mask_phone(a.subject)
            if a.subject.isdigit()
            else shown.text(nobody, a.subject, Level.MASKED),
            fields=a.fields,
            note=shown.text(nobody, a.note, Level.MASKED) or "",
        )
        for a in session.exec(stmt).all()
    ]

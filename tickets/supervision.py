"""督办 (000 §23, 001 一(五)3): the scheduler marks tickets approaching and past their deadline.

Steps, each recorded in the ticket's history by the system:
1. reminder (系统提醒) when `rules.supervision_warn_fraction` of the completion time is used up;
2. written notice (书面督办) once the deadline has passed;
3. escalation (通报/升级) when still not replied one working day after the deadline (000 §24).
The response, callback and urgent-dispatch clocks go through the same steps (`supervision_clocks`).
A scheduler that was down catches up: every missed step is still written, in order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.settings import Settings
from tickets import history, policy, supervision_clocks
from tickets.actors import SYSTEM
from tickets.context import Ctx
from tickets.deadlines import WorkCalendar
from tickets.errors import CalendarUnknown
from tickets.models import Ticket, Unit
from tickets.policy import BoardItem, UnitBoard, Viewer
from tickets.vocab import UNIT_STATUSES, Status

log = logging.getLogger(__name__)
__all__ = ["STEPS", "BoardItem", "SupervisionStep", "UnitBoard", "due_board", "due_level", "run_supervision"]

STEPS: dict[int, tuple[str, str]] = {
    1: ("supervision_reminder", "系统提醒:办理时限即将到期"),
    2: ("supervision_notice", "书面督办:已超过办结时限"),
    3: ("supervision_escalation", "督办升级:超期一个工作日仍未答复,予以通报"),
}


@dataclass(frozen=True)
class SupervisionStep:
    ticket_no: str
    level: int
    action: str
    # "complete", or one of supervision_clocks.ClockName: "response", "callback", "dispatch".
    clock: str = "complete"


def due_level(ticket: Ticket, now: datetime, settings: Settings, calendar: WorkCalendar) -> int:
    """The supervision level the ticket should be at now."""
    due, start = ticket.complete_due, ticket.dispatched_at
    if due is None or start is None:
        return 0
    if now > due:
        escalate_at = calendar.add_working_days(due, 1, ZoneInfo(settings.timezone))
        return 3 if now > escalate_at else 2
    warn_at = start + (due - start) * settings.rules.supervision_warn_fraction
    return 1 if now >= warn_at else 0


def run_supervision(session: Session, settings: Settings, now: datetime) -> list[SupervisionStep]:
    calendar = WorkCalendar.load(session)
    ctx = Ctx(settings, now)
    tickets = session.exec(
        select(Ticket)
        .where(
            col(Ticket.status).in_([s.value for s in UNIT_STATUSES]), col(Ticket.complete_due).is_not(None)
        )
        .where(Ticket.supervision_level < 3)
        .with_for_update(skip_locked=True)
    ).all()
    steps: list[SupervisionStep] = []
    for ticket in tickets:
        try:
            target = due_level(ticket, now, settings, calendar)
        except CalendarUnknown as exc:
            log.error("supervision: %s skipped: %s", ticket.ticket_no, exc.reason)
            continue
        while ticket.supervision_level < target:
            ticket.supervision_level += 1
            action, note = STEPS[ticket.supervision_level]
            history.add_event(
                session,
                ticket,
                SYSTEM,
                action,
                ctx,
                from_status=ticket.status,
                note=note,
                unit_code=ticket.lead_unit_code,
                data={"level": ticket.supervision_level},
            )
            steps.append(SupervisionStep(ticket.ticket_no, ticket.supervision_level, action))
        session.add(ticket)

    def other_clock(ticket: Ticket, clock: str, level: int, action: str) -> None:
        steps.append(SupervisionStep(ticket.ticket_no, level, action, clock))

    supervision_clocks.run_clocks(session, settings, now, calendar, other_clock)
    return steps


def due_board(
    session: Session, viewer: Viewer, now: datetime, soon: timedelta = timedelta(hours=24)
) -> list[UnitBoard]:
    """For supervisors and the wallboard: per unit, overdue tickets and tickets due within `soon`;
    the rows as `viewer` may see them (titles masked by content: a wall screen is a list)."""
    units = session.exec(select(Unit)).all()
    names = {u.code: u.name for u in units}
    centre = next((u.code for u in sorted(units, key=lambda u: u.code) if u.tier == 1), None)
    working = session.exec(
        select(Ticket)
        .where(col(Ticket.status).in_([s.value for s in UNIT_STATUSES]))
        .where(col(Ticket.complete_due) <= now + soon)
    ).all()
    waiting = session.exec(
        select(Ticket).where(Ticket.status == Status.REGISTERED, col(Ticket.dispatch_due) <= now + soon)
    ).all()
    entries: list[tuple[str, Ticket, str, datetime]] = [
        (t.lead_unit_code, t, "complete", t.complete_due)
        for t in working
        if t.lead_unit_code is not None and t.complete_due is not None
    ]
    if centre is not None:
        entries += [(centre, t, "dispatch", t.dispatch_due) for t in waiting if t.dispatch_due is not None]
    entries.sort(key=lambda e: e[3])
    boards = policy.board(session, viewer, entries, names, now)
    return sorted(boards, key=lambda b: (-len(b.overdue), -len(b.due_soon), b.unit_code))

"""督办 of the clocks other than completion (DOMAIN.md §5/§6, 000 §23–24): the unit's first contact
(响应, 1 working day), the centre's callback (回访, 24 h, 000 §25) and the centre's dispatch of urgent
tickets (15 min, 5 for 重大, 001 三(三)2).

Each clock has the three steps of the completion clock, each written once to the history by the
system: reminder (系统提醒) when `rules.supervision_warn_fraction` of the time is used up, written
notice (书面督办) once the deadline has passed, and escalation (通报, 000 §24: "经督办仍不按要求办理")
when the clock is still not met one more span after the deadline — one working day for the
response clock (as for completion), another `callback_hours` for the callback, another dispatch
window for urgent dispatch.

The level reached is not a column: it is read from the history, whose events carry the clock and
the deadline they were written for. A new deadline (a re-dispatch, a second approval after a
reopen) therefore starts its clock's steps over, and nothing is written twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session, and_, col, or_, select

from core.settings import Settings
from tickets import history
from tickets.actors import SYSTEM
from tickets.context import Ctx
from tickets.deadlines import WorkCalendar
from tickets.errors import CalendarUnknown
from tickets.models import Ticket, TicketEvent
from tickets.vocab import UNIT_STATUSES, Status

log = logging.getLogger(__name__)

ClockName = Literal["response", "callback", "dispatch"]

STEP_NAMES: dict[int, str] = {1: "reminder", 2: "notice", 3: "escalation"}

NOTES: dict[ClockName, dict[int, str]] = {
    "response": {
        1: "系统提醒:首次联系(响应)时限即将到期",
        2: "书面督办:已超过首次联系(响应)时限",
        3: "督办升级:超过响应时限一个工作日仍未联系诉求人,予以通报",
    },
    "callback": {
        1: "系统提醒:回访时限即将到期",
        2: "书面督办:已超过24小时回访时限",
        3: "督办升级:超过回访时限仍未回访,予以通报",
    },
    "dispatch": {
        1: "系统提醒:紧急工单派单时限即将到期",
        2: "书面督办:紧急工单已超过派单时限仍未派单",
        3: "督办升级:紧急工单严重超时未派单,予以通报",
    },
}


def action_name(clock: ClockName, level: int) -> str:
    return f"supervision_{clock}_{STEP_NAMES[level]}"


ACTIONS: dict[str, tuple[ClockName, int]] = {
    action_name(clock, level): (clock, level) for clock in NOTES for level in STEP_NAMES
}


@dataclass(frozen=True)
class ClockState:
    """One running clock of one ticket."""

    clock: ClockName
    start: datetime
    due: datetime


def _utc_key(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def running_clock(ticket: Ticket, clock: ClockName) -> ClockState | None:
    """The clock if it runs for this ticket now (not met yet), with its start and deadline."""
    status = ticket.status
    if clock == "response":
        # 003 §11(三): the unit contacts the citizen first; the clock stops at 首次联系.
        if status in UNIT_STATUSES and ticket.first_contact_at is None:
            start, due = ticket.dispatched_at, ticket.response_due
        else:
            return None
    elif clock == "callback":
        # 000 §25: the centre calls back within 24 h of the approved reply; done when it leaves 审核通过.
        if status == Status.APPROVED:
            start, due = ticket.approved_at, ticket.callback_due
        else:
            return None
    elif status == Status.REGISTERED:  # dispatch: only urgent tickets have a dispatch deadline
        start, due = ticket.created_at, ticket.dispatch_due
    else:
        return None
    if start is None or due is None:
        return None
    return ClockState(clock, start, due)


def due_level(state: ClockState, now: datetime, settings: Settings, calendar: WorkCalendar) -> int:
    """The supervision level this clock should be at now (0 to 3)."""
    if now > state.due:
        if state.clock == "response":
            escalate_at = calendar.add_working_days(state.due, 1, ZoneInfo(settings.timezone))
        else:
            escalate_at = state.due + (state.due - state.start)
        return 3 if now > escalate_at else 2
    warn_at = state.start + (state.due - state.start) * settings.rules.supervision_warn_fraction
    return 1 if now >= warn_at else 0


def _reached(session: Session, ticket_ids: Sequence[int]) -> dict[tuple[int, ClockName, str], int]:
    """Highest level already written per (ticket, clock, deadline)."""
    reached: dict[tuple[int, ClockName, str], int] = {}
    if not ticket_ids:
        return reached
    rows = session.exec(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.data).where(
            col(TicketEvent.ticket_id).in_(ticket_ids), col(TicketEvent.action).in_(list(ACTIONS))
        )
    ).all()
    for ticket_id, action, data in rows:
        clock, level = ACTIONS[action]
        due = str(json.loads(data or "{}").get("due", ""))
        key = (ticket_id, clock, due)
        reached[key] = max(level, reached.get(key, 0))
    return reached


StepSink = Callable[[Ticket, ClockName, int, str], None]


def run_clocks(
    session: Session, settings: Settings, now: datetime, calendar: WorkCalendar, on_step: StepSink
) -> None:
    """Writes every due step of the response, callback and dispatch clocks, in order; `on_step`
    hears of each (ticket, clock, level, action)."""
    ctx = Ctx(settings, now)
    tickets = session.exec(
        select(Ticket)
        .where(
            or_(
                and_(
                    col(Ticket.status).in_([s.value for s in UNIT_STATUSES]),
                    col(Ticket.first_contact_at).is_(None),
                ),
                and_(col(Ticket.status) == Status.APPROVED, col(Ticket.callback_due).is_not(None)),
                and_(col(Ticket.status) == Status.REGISTERED, col(Ticket.dispatch_due).is_not(None)),
            )
        )
        .with_for_update(skip_locked=True)
    ).all()
    reached = _reached(session, [t.id for t in tickets if t.id is not None])
    clocks: tuple[ClockName, ...] = ("dispatch", "response", "callback")
    for ticket in tickets:
        assert ticket.id is not None
        for clock in clocks:
            state = running_clock(ticket, clock)
            if state is None:
                continue
            try:
                target = due_level(state, now, settings, calendar)
            except CalendarUnknown as exc:
                log.error("supervision: %s %s clock skipped: %s", ticket.ticket_no, clock, exc.reason)
                continue
            due_key = _utc_key(state.due)
            level = reached.get((ticket.id, clock, due_key), 0)
            while level < target:
                level += 1
                action = action_name(clock, level)
                history.add_event(
                    session,
                    ticket,
                    SYSTEM,
                    action,
                    ctx,
                    from_status=ticket.status,
                    note=NOTES[clock][level],
                    # The response clock is the unit's duty; dispatch and callback are the centre's.
                    unit_code=ticket.lead_unit_code if clock == "response" else None,
                    data={"clock": clock, "level": level, "due": due_key},
                )
                on_step(ticket, clock, level, action)

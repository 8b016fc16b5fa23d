"""The use cases the REST API (and the ticket writer) call: one function per life-cycle action.

Every action loads the ticket (row-locked on PostgreSQL), checks `lifecycle.check` and the unit
rules BEFORE changing anything, then changes the ticket, its assignments and appends one event.
The caller's transaction (`Database.run` / `Database.session`) commits or rolls back the lot.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from hotline.settings import Settings
from tickets import deadlines
from tickets.actors import Actor
from tickets.deadlines import WorkCalendar
from tickets.errors import Forbidden, InvalidInput, NotFound, TransitionRefused
from tickets.lifecycle import STATUS_LABELS, Action, allowed_actions, check
from tickets.models import (
    Assignment,
    CallbackTask,
    CallLink,
    Category,
    Survey,
    Ticket,
    TicketEvent,
    Unit,
)
from tickets.numbering import next_ticket_no
from tickets.privacy import (
    HIDDEN,
    audit,
    can_read_personal_data,
    ensure_visible,
    identity_hidden,
    mask_address,
    mask_name,
    mask_phone,
    mask_text,
    scope_clause,
)
from tickets.schemas import (
    CallbackInput,
    CloseAtIntakeInput,
    Decision,
    DispatchInput,
    EventView,
    ExtensionRequest,
    LeaderInstructionInput,
    MergeInput,
    Note,
    RefuseInput,
    ReplyInput,
    ReturnDecision,
    ReturnRequest,
    ReviewInput,
    SuperviseInput,
    TicketDetail,
    TicketFilter,
    TicketIntake,
    TicketSummary,
)
from tickets.vocab import (
    NOT_ACCEPTED_REASONS,
    OPEN_STATUSES,
    UNIT_STATUSES,
    AssignmentRole,
    CallbackKind,
    Role,
    Satisfaction,
    Status,
)

LEADER_PRIORITY = 100  # 000 §20: leader instructions come first


@dataclass(frozen=True)
class Ctx:
    """What every use case needs besides the session: the rules and the current time."""

    settings: Settings
    now: datetime

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)


# ---------------------------------------------------------------- helpers


def load(session: Session, ticket_no: str, *, lock: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.ticket_no == ticket_no)
    if lock:
        stmt = stmt.with_for_update()
    ticket = session.exec(stmt).first()
    if ticket is None:
        raise NotFound(f"工单不存在:{ticket_no}")
    return ticket


def _unit(session: Session, code: str) -> Unit:
    unit = session.get(Unit, code)
    if unit is None or not unit.active:
        raise InvalidInput(f"单位不存在或已停用:{code}")
    return unit


def add_event(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    action: str,
    ctx: Ctx,
    *,
    from_status: str | None = None,
    note: str = "",
    unit_code: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        TicketEvent(
            ticket_id=_id(ticket),
            at=ctx.now,
            actor=actor.username,
            role=actor.role.value,
            unit_code=unit_code if unit_code is not None else actor.unit_code,
            action=action,
            from_status=from_status,
            to_status=ticket.status,
            note=note,
            data=json.dumps(data or {}, ensure_ascii=False, default=str),
        )
    )


def _id(ticket: Ticket) -> int:
    if ticket.id is None:
        raise RuntimeError("ticket has not been flushed")
    return ticket.id


def _act(session: Session, actor: Actor, ticket_no: str, action: Action) -> tuple[Ticket, str]:
    """Loads, locks and checks: nothing has changed when this raises."""
    ticket = load(session, ticket_no, lock=True)
    ensure_visible(session, actor, ticket)
    rule = check(action, ticket.status, actor.role)
    if rule.unit_action and (actor.unit_code is None or actor.unit_code != ticket.lead_unit_code):
        raise Forbidden("只有主办单位可以执行此操作")
    return ticket, ticket.status


def _set(ticket: Ticket, status: Status, ctx: Ctx) -> None:
    ticket.status = status
    ticket.updated_at = ctx.now


def _lead_assignment(session: Session, ticket: Ticket) -> Assignment | None:
    return session.exec(
        select(Assignment).where(
            Assignment.ticket_id == _id(ticket),
            Assignment.role == AssignmentRole.LEAD,
            col(Assignment.active).is_(True),
        )
    ).first()


def _end_assignments(session: Session, ticket: Ticket, ctx: Ctx) -> None:
    for a in session.exec(
        select(Assignment).where(Assignment.ticket_id == _id(ticket), col(Assignment.active).is_(True))
    ).all():
        a.active = False
        a.ended_at = ctx.now
        session.add(a)


def _assign(session: Session, ticket: Ticket, lead: str, assists: list[str], ctx: Ctx) -> None:
    """Hands the ticket to a lead unit (+ assisting units) and starts the unit clocks."""
    _unit(session, lead)
    assists = [a for a in dict.fromkeys(assists) if a != lead]
    for code in assists:
        _unit(session, code)
    clocks = deadlines.unit_clocks(
        ticket_type=ticket.type,
        urgency=ticket.urgency,
        channel=ticket.channel,
        dispatched_at=ctx.now,
        rules=ctx.settings.rules,
        calendar=WorkCalendar.load(session),
        tz=ctx.tz,
    )
    _end_assignments(session, ticket, ctx)
    session.add(
        Assignment(
            ticket_id=_id(ticket),
            unit_code=lead,
            role=AssignmentRole.LEAD,
            assigned_at=ctx.now,
            response_due=clocks.response_due,
            complete_due=clocks.complete_due,
        )
    )
    for code in assists:
        session.add(
            Assignment(ticket_id=_id(ticket), unit_code=code, role=AssignmentRole.ASSIST, assigned_at=ctx.now)
        )
    ticket.lead_unit_code = lead
    ticket.dispatched_at = ctx.now
    ticket.signed_at = ticket.first_contact_at = ticket.replied_at = ticket.approved_at = None
    ticket.response_due = clocks.response_due
    ticket.complete_due = clocks.complete_due
    ticket.callback_due = None
    ticket.extension_days = ticket.extension_reason = None
    ticket.return_reason = ticket.status_before_return = None
    ticket.supervision_level = 0
    _set(ticket, Status.DISPATCHED, ctx)


# ---------------------------------------------------------------- intake


def create_ticket(session: Session, actor: Actor, intake: TicketIntake, ctx: Ctx) -> Ticket:
    """受理: any channel, by the centre (seats, supervisors) or the system (call records)."""
    if actor.role not in (Role.SEAT, Role.SUPERVISOR, Role.SYSTEM):
        raise Forbidden("只有热线中心话务员或值班长可以受理工单")
    if intake.category_code and session.get(Category, intake.category_code) is None:
        raise InvalidInput(f"分类不存在:{intake.category_code}")
    if intake.complained_unit_code:
        _unit(session, intake.complained_unit_code)
    ticket = Ticket(
        ticket_no=next_ticket_no(session, ctx.now, ctx.tz),
        channel=intake.channel,
        type=intake.type,
        urgency=intake.urgency,
        status=Status.REGISTERED,
        category_code=intake.category_code,
        title=intake.title or intake.content[:30],
        content=intake.content,
        location=intake.location,
        citizen_name=intake.citizen_name,
        citizen_phone=intake.citizen_phone,
        citizen_address=intake.citizen_address,
        consent_disclosure=intake.consent_disclosure,
        complained_unit_code=intake.complained_unit_code,
        created_by=actor.username,
        created_at=ctx.now,
        updated_at=ctx.now,
        dispatch_due=deadlines.dispatch_due(intake.urgency, ctx.now, ctx.settings.rules),
    )
    session.add(ticket)
    session.flush()
    add_event(session, ticket, actor, "register", ctx, data={"channel": intake.channel})
    if intake.linkedid:
        link = session.exec(select(CallLink).where(CallLink.linkedid == intake.linkedid)).first()
        if link is not None and link.ticket_id is None:
            link.ticket_id = ticket.id
            session.add(link)
    return ticket


def dispatch(session: Session, actor: Actor, ticket_no: str, data: DispatchInput, ctx: Ctx) -> Ticket:
    """派单 (and 改派 of a returned ticket): one lead unit, optional assisting units."""
    ticket, before = _act(session, actor, ticket_no, Action.DISPATCH)
    _assign(session, ticket, data.lead_unit_code, data.assist_unit_codes, ctx)
    add_event(
        session,
        ticket,
        actor,
        Action.DISPATCH,
        ctx,
        from_status=before,
        note=data.note,
        unit_code=data.lead_unit_code,
        data={"assist": data.assist_unit_codes},
    )
    return ticket


def close_at_intake(
    session: Session, actor: Actor, ticket_no: str, data: CloseAtIntakeInput, ctx: Ctx
) -> Ticket:
    """直接办结: answered on the spot (004 §12)."""
    ticket, before = _act(session, actor, ticket_no, Action.CLOSE_AT_INTAKE)
    ticket.intake_closed = True
    ticket.reply_text = data.answer
    ticket.closed_at = ctx.now
    _set(ticket, Status.CLOSED, ctx)
    add_event(session, ticket, actor, Action.CLOSE_AT_INTAKE, ctx, from_status=before, note=data.answer)
    return ticket


def refuse(session: Session, actor: Actor, ticket_no: str, data: RefuseInput, ctx: Ctx) -> Ticket:
    """不予受理 with a reason code (DOMAIN.md §3): still a record."""
    if data.reason_code not in NOT_ACCEPTED_REASONS:
        raise InvalidInput(f"不予受理原因代码无效:{data.reason_code}(可选:{'、'.join(NOT_ACCEPTED_REASONS)})")
    ticket, before = _act(session, actor, ticket_no, Action.REFUSE)
    ticket.not_accepted_reason = data.reason_code
    ticket.closed_at = ctx.now
    _set(ticket, Status.NOT_ACCEPTED, ctx)
    add_event(
        session,
        ticket,
        actor,
        Action.REFUSE,
        ctx,
        from_status=before,
        note=data.note or NOT_ACCEPTED_REASONS[data.reason_code],
        data={"reason": data.reason_code},
    )
    return ticket


# ---------------------------------------------------------------- unit actions


def sign(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    ticket, before = _act(session, actor, ticket_no, Action.SIGN)
    ticket.signed_at = ctx.now
    _set(ticket, Status.SIGNED, ctx)
    add_event(session, ticket, actor, Action.SIGN, ctx, from_status=before, note=data.note)
    return ticket


def first_contact(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    ticket, before = _act(session, actor, ticket_no, Action.FIRST_CONTACT)
    ticket.first_contact_at = ctx.now
    lead = _lead_assignment(session, ticket)
    if lead is not None:
        lead.first_contact_at = ctx.now
        session.add(lead)
    _set(ticket, Status.CONTACTED, ctx)
    add_event(session, ticket, actor, Action.FIRST_CONTACT, ctx, from_status=before, note=data.note)
    return ticket


def reply(session: Session, actor: Actor, ticket_no: str, data: ReplyInput, ctx: Ctx) -> Ticket:
    """答复: names the responsible person and the head who signed it off (001 五(四))."""
    ticket, before = _act(session, actor, ticket_no, Action.REPLY)
    ticket.reply_text = data.text
    ticket.reply_person = data.responsible_person
    ticket.reply_head = data.head_signoff
    ticket.replied_at = ctx.now
    lead = _lead_assignment(session, ticket)
    if lead is not None:
        lead.replied_at = ctx.now
        session.add(lead)
    _set(ticket, Status.REPLIED, ctx)
    add_event(
        session,
        ticket,
        actor,
        Action.REPLY,
        ctx,
        from_status=before,
        note=data.text,
        data={"responsible_person": data.responsible_person, "head_signoff": data.head_signoff},
    )
    return ticket


def ask_extension(session: Session, actor: Actor, ticket_no: str, data: ExtensionRequest, ctx: Ctx) -> Ticket:
    ticket, before = _act(session, actor, ticket_no, Action.ASK_EXTENSION)
    if ticket.extension_days is not None:
        raise TransitionRefused("已有待审批的延期申请")
    if ticket.complete_due is None:
        raise TransitionRefused("工单没有办结时限,不能申请延期")
    cal = WorkCalendar.load(session)
    if not deadlines.extension_request_ok(ctx.now, ticket.complete_due, ctx.settings.rules, cal, ctx.tz):
        # 000 §21: at least 1 working day before the deadline.
        raise TransitionRefused(
            f"延期申请须在办结时限前{ctx.settings.rules.extension_notice_working_days}个工作日提出"
        )
    ticket.extension_days = data.days
    ticket.extension_reason = data.reason
    ticket.updated_at = ctx.now
    add_event(
        session,
        ticket,
        actor,
        Action.ASK_EXTENSION,
        ctx,
        from_status=before,
        note=data.reason,
        data={"days": data.days},
    )
    return ticket


def decide_extension(session: Session, actor: Actor, ticket_no: str, data: Decision, ctx: Ctx) -> Ticket:
    """The centre approves (the completion deadline moves) or refuses an extension."""
    ticket, before = _act(session, actor, ticket_no, Action.DECIDE_EXTENSION)
    if ticket.extension_days is None:
        raise TransitionRefused("没有待审批的延期申请")
    days, old_due = ticket.extension_days, ticket.complete_due
    payload: dict[str, Any] = {"approve": data.approve, "days": days}
    if data.approve and old_due is not None and ticket.dispatched_at is not None:
        new_due = deadlines.extended_due(
            complete_due=old_due,
            days=days,
            urgency=ticket.urgency,
            dispatched_at=ticket.dispatched_at,
            rules=ctx.settings.rules,
            calendar=WorkCalendar.load(session),
            tz=ctx.tz,
        )
        ticket.complete_due = new_due
        ticket.supervision_level = 0
        lead = _lead_assignment(session, ticket)
        if lead is not None:
            lead.extended = True
            lead.complete_due = new_due
            session.add(lead)
        payload.update(old_due=old_due.isoformat(), new_due=new_due.isoformat())
    ticket.extension_days = ticket.extension_reason = None
    ticket.updated_at = ctx.now
    add_event(
        session,
        ticket,
        actor,
        "extension_approved" if data.approve else "extension_refused",
        ctx,
        from_status=before,
        note=data.note,
        unit_code=ticket.lead_unit_code,
        data=payload,
    )
    return ticket


def ask_return(session: Session, actor: Actor, ticket_no: str, data: ReturnRequest, ctx: Ctx) -> Ticket:
    """退单: only within the return window after dispatch (001 四(五))."""
    ticket, before = _act(session, actor, ticket_no, Action.ASK_RETURN)
    if ticket.dispatched_at is not None:
        limit = deadlines.return_deadline(
            ticket.dispatched_at, ctx.settings.rules, WorkCalendar.load(session), ctx.tz
        )
        if ctx.now > limit:
            raise TransitionRefused(
                f"退单须在派单后{ctx.settings.rules.return_window_working_days}个工作日内提出,已超过退单时限"
            )
    ticket.return_reason = data.reason
    ticket.status_before_return = before
    _set(ticket, Status.RETURN_REQUESTED, ctx)
    add_event(session, ticket, actor, Action.ASK_RETURN, ctx, from_status=before, note=data.reason)
    return ticket


def decide_return(session: Session, actor: Actor, ticket_no: str, data: ReturnDecision, ctx: Ctx) -> Ticket:
    ticket, before = _act(session, actor, ticket_no, Action.DECIDE_RETURN)
    old_unit = ticket.lead_unit_code
    if not data.approve:
        _set(ticket, Status(ticket.status_before_return or Status.DISPATCHED), ctx)
        ticket.return_reason = ticket.status_before_return = None
        add_event(
            session,
            ticket,
            actor,
            "return_refused",
            ctx,
            from_status=before,
            note=data.note,
            unit_code=old_unit,
        )
        return ticket
    if data.new_lead_unit_code == old_unit:
        raise InvalidInput("改派单位不能是申请退单的单位")
    lead = _lead_assignment(session, ticket)
    if lead is not None:
        lead.returned = True
        session.add(lead)
    if data.new_lead_unit_code:
        _assign(session, ticket, data.new_lead_unit_code, data.assist_unit_codes, ctx)
    else:
        _end_assignments(session, ticket, ctx)
        ticket.lead_unit_code = None
        ticket.response_due = ticket.complete_due = None
        ticket.return_reason = ticket.status_before_return = None
        _set(ticket, Status.RETURNED, ctx)
    add_event(
        session,
        ticket,
        actor,
        "return_approved",
        ctx,
        from_status=before,
        note=data.note,
        unit_code=old_unit,
        data={"redispatched_to": data.new_lead_unit_code},
    )
    return ticket


def assist_note(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    """会办 (004 §12(四)): an assisting unit adds its part to the record."""
    ticket, before = _act(session, actor, ticket_no, Action.ASSIST_NOTE)
    if not data.note:
        raise InvalidInput("协办意见不能为空")
    add_event(session, ticket, actor, Action.ASSIST_NOTE, ctx, from_status=before, note=data.note)
    return ticket


# ---------------------------------------------------------------- centre actions


def review(session: Session, actor: Actor, ticket_no: str, data: ReviewInput, ctx: Ctx) -> Ticket:
    """审核: approve (callback clock starts) or send back within the same deadline."""
    ticket, before = _act(session, actor, ticket_no, Action.APPROVE if data.approve else Action.SEND_BACK)
    if not data.approve:
        if not data.note.strip():
            raise InvalidInput("退回须说明原因")
        ticket.send_back_count += 1
        _set(ticket, Status.SENT_BACK, ctx)
        add_event(
            session,
            ticket,
            actor,
            Action.SEND_BACK,
            ctx,
            from_status=before,
            note=data.note,
            unit_code=ticket.lead_unit_code,
        )
        return ticket
    ticket.approved_at = ctx.now
    ticket.callback_due = deadlines.callback_due(ctx.now, ctx.settings.rules)
    _set(ticket, Status.APPROVED, ctx)
    if ticket.citizen_phone:
        session.add(
            CallbackTask(
                kind=CallbackKind.SURVEY,
                phone=ticket.citizen_phone,
                ticket_id=ticket.id,
                created_at=ctx.now,
                due_at=ticket.callback_due,
            )
        )
    add_event(
        session,
        ticket,
        actor,
        Action.APPROVE,
        ctx,
        from_status=before,
        note=data.note,
        unit_code=ticket.lead_unit_code,
    )
    return ticket


def supervise(session: Session, actor: Actor, ticket_no: str, data: SuperviseInput, ctx: Ctx) -> Ticket:
    """督办 by a supervisor: one level up (reminder → notice → escalation, 000 §23)."""
    ticket, before = _act(session, actor, ticket_no, Action.SUPERVISE)
    ticket.supervision_level = min(3, ticket.supervision_level + 1)
    ticket.key_supervision = ticket.key_supervision or data.key
    ticket.updated_at = ctx.now
    add_event(
        session,
        ticket,
        actor,
        Action.SUPERVISE,
        ctx,
        from_status=before,
        note=data.note,
        unit_code=ticket.lead_unit_code,
        data={"level": ticket.supervision_level, "key": data.key},
    )
    return ticket


def leader_instruction(
    session: Session, actor: Actor, ticket_no: str, data: LeaderInstructionInput, ctx: Ctx
) -> Ticket:
    """领导批示: highest priority and key supervision (000 §20, 000 §23(一))."""
    ticket, before = _act(session, actor, ticket_no, Action.LEADER_INSTRUCTION)
    ticket.leader_instruction = f"{data.leader}:{data.instruction}"
    ticket.priority = LEADER_PRIORITY
    ticket.key_supervision = True
    ticket.updated_at = ctx.now
    add_event(
        session,
        ticket,
        actor,
        Action.LEADER_INSTRUCTION,
        ctx,
        from_status=before,
        note=data.instruction,
        data={"leader": data.leader},
    )
    return ticket


def callback(
    session: Session,
    actor: Actor,
    ticket_no: str,
    data: CallbackInput,
    ctx: Ctx,
    *,
    linkedid: str | None = None,
) -> Ticket:
    """回访: closes the ticket, or reopens it on the first dissatisfied callback (003 §11(五))."""
    ticket, before = _act(session, actor, ticket_no, Action.CALLBACK)
    session.add(
        Survey(
            ticket_id=_id(ticket),
            ticket_no=ticket.ticket_no,
            linkedid=linkedid or f"desk-{uuid.uuid4().hex}",
            unit_code=ticket.lead_unit_code,
            at=ctx.now,
            answered=True,
            satisfaction=data.satisfaction,
            resolved=data.resolved,
            by=actor.username,
        )
    )
    ticket.satisfaction = data.satisfaction
    ticket.resolved = data.resolved
    ticket.callback_count += 1
    for task in session.exec(
        select(CallbackTask).where(
            CallbackTask.ticket_id == ticket.id,
            CallbackTask.kind == CallbackKind.SURVEY,
            col(CallbackTask.done).is_(False),
        )
    ).all():
        task.done, task.done_at, task.done_by = True, ctx.now, actor.username
        session.add(task)
    result = {"satisfaction": data.satisfaction, "resolved": data.resolved}
    if data.satisfaction == Satisfaction.DISSATISFIED and ticket.reopen_count == 0 and ticket.lead_unit_code:
        ticket.closed_at = None
        _set(ticket, Status.APPROVED, ctx)  # recorded before the reopen below
        add_event(
            session, ticket, actor, Action.CALLBACK, ctx, from_status=before, note=data.note, data=result
        )
        _reopen(session, actor, ticket, "首次回访不满意,重办", ctx)
        return ticket
    ticket.closed_at = ctx.now
    _set(ticket, Status.CLOSED, ctx)
    add_event(session, ticket, actor, Action.CALLBACK, ctx, from_status=before, note=data.note, data=result)
    return ticket


def _reopen(session: Session, actor: Actor, ticket: Ticket, note: str, ctx: Ctx) -> None:
    before = ticket.status
    lead = ticket.lead_unit_code
    if lead is None:
        raise TransitionRefused("直接办结的工单没有承办单位,不能重办;请重新受理")
    assists = [
        a.unit_code
        for a in session.exec(
            select(Assignment).where(
                Assignment.ticket_id == _id(ticket),
                Assignment.role == AssignmentRole.ASSIST,
                col(Assignment.active).is_(True),
            )
        ).all()
    ]
    ticket.reopen_count += 1
    ticket.closed_at = None
    _assign(session, ticket, lead, assists, ctx)
    add_event(session, ticket, actor, Action.REOPEN, ctx, from_status=before, note=note, unit_code=lead)


def reopen(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    """重办 after a quality review of a closed ticket (000 §25: 不满意 → 质检评定)."""
    ticket, _before = _act(session, actor, ticket_no, Action.REOPEN)
    _reopen(session, actor, ticket, data.note or "重办", ctx)
    return ticket


def merge(session: Session, actor: Actor, ticket_no: str, data: MergeInput, ctx: Ctx) -> Ticket:
    """并单: the duplicate ends, its calls move to the primary ticket."""
    ticket, before = _act(session, actor, ticket_no, Action.MERGE)
    if data.into_ticket_no == ticket_no:
        raise InvalidInput("不能与自身并单")
    primary = load(session, data.into_ticket_no, lock=True)
    if primary.status not in OPEN_STATUSES:
        raise TransitionRefused(f"目标工单{primary.ticket_no}已结束,不能并入")
    for link in session.exec(select(CallLink).where(CallLink.ticket_id == ticket.id)).all():
        link.ticket_id = primary.id
        session.add(link)
    _end_assignments(session, ticket, ctx)
    ticket.merged_into = primary.ticket_no
    ticket.closed_at = ctx.now
    _set(ticket, Status.MERGED, ctx)
    add_event(
        session,
        ticket,
        actor,
        Action.MERGE,
        ctx,
        from_status=before,
        note=data.note,
        data={"into": primary.ticket_no},
    )
    add_event(
        session,
        primary,
        actor,
        "merged_in",
        ctx,
        from_status=primary.status,
        note=data.note,
        data={"from": ticket.ticket_no},
    )
    return ticket


def close(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    """办结 without a callback answer (the citizen could not be reached)."""
    ticket, before = _act(session, actor, ticket_no, Action.CLOSE)
    if not data.note.strip():
        raise InvalidInput("未经回访办结须说明原因")
    ticket.closed_at = ctx.now
    _set(ticket, Status.CLOSED, ctx)
    add_event(session, ticket, actor, Action.CLOSE, ctx, from_status=before, note=data.note)
    return ticket


def archive(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    ticket, before = _act(session, actor, ticket_no, Action.ARCHIVE)
    ticket.archived_at = ctx.now
    _end_assignments(session, ticket, ctx)
    _set(ticket, Status.ARCHIVED, ctx)
    add_event(session, ticket, actor, Action.ARCHIVE, ctx, from_status=before, note=data.note)
    return ticket


# ---------------------------------------------------------------- reads


def _overdue(ticket: Ticket, now: datetime) -> bool:
    return ticket.status in UNIT_STATUSES and ticket.complete_due is not None and now > ticket.complete_due


def summary(ticket: Ticket, now: datetime) -> TicketSummary:
    return TicketSummary(
        ticket_no=ticket.ticket_no,
        channel=ticket.channel,
        type=ticket.type,
        urgency=ticket.urgency,
        status=ticket.status,
        status_label=STATUS_LABELS.get(ticket.status, ticket.status),
        category_code=ticket.category_code,
        title=ticket.title,
        lead_unit_code=ticket.lead_unit_code,
        created_at=ticket.created_at,
        complete_due=ticket.complete_due,
        overdue=_overdue(ticket, now),
        supervision_level=ticket.supervision_level,
        priority=ticket.priority,
        citizen_name=mask_name(ticket.citizen_name),
        citizen_phone=mask_phone(ticket.citizen_phone),
    )


def list_tickets(session: Session, actor: Actor, flt: TicketFilter, ctx: Ctx) -> list[TicketSummary]:
    """Scoped by role and unit; personal data masked (the detail view shows it, audited)."""
    stmt = select(Ticket).where(scope_clause(actor))
    if flt.status:
        stmt = stmt.where(Ticket.status == flt.status)
    if flt.channel:
        stmt = stmt.where(Ticket.channel == flt.channel)
    if flt.type:
        stmt = stmt.where(Ticket.type == flt.type)
    if flt.unit_code:
        stmt = stmt.where(Ticket.lead_unit_code == flt.unit_code)
    if flt.category_code:
        child = select(Category.code).where(Category.parent_code == flt.category_code)
        stmt = stmt.where(
            or_(col(Ticket.category_code) == flt.category_code, col(Ticket.category_code).in_(child))
        )
    if flt.phone:
        if not can_read_personal_data(actor):
            raise Forbidden("无权按来电号码查询")
        stmt = stmt.where(Ticket.citizen_phone == flt.phone)
        audit(session, actor, "search_by_phone", flt.phone, "citizen_phone", ctx.now)
    if flt.created_from:
        stmt = stmt.where(Ticket.created_at >= flt.created_from)
    if flt.created_to:
        stmt = stmt.where(Ticket.created_at < flt.created_to)
    if flt.overdue:
        stmt = stmt.where(col(Ticket.status).in_(list(UNIT_STATUSES)), col(Ticket.complete_due) < ctx.now)
    stmt = (
        stmt.order_by(col(Ticket.priority).desc(), col(Ticket.id).desc()).offset(flt.offset).limit(flt.limit)
    )
    return [summary(t, ctx.now) for t in session.exec(stmt).all()]


def count_tickets(session: Session, actor: Actor) -> int:
    return int(session.exec(select(func.count()).select_from(Ticket).where(scope_clause(actor))).one())


def detail(session: Session, actor: Actor, ticket_no: str, ctx: Ctx) -> TicketDetail:
    """The full ticket; a read of unmasked personal data is audit-logged (DOMAIN.md §9)."""
    ticket = load(session, ticket_no)
    ensure_visible(session, actor, ticket)
    hidden = identity_hidden(actor, ticket)
    name: str | None
    phone: str | None
    address: str | None
    if hidden:
        name, phone, address = HIDDEN, HIDDEN, HIDDEN
        content = mask_text(ticket.content)
    elif can_read_personal_data(actor):
        name, phone, address = ticket.citizen_name, ticket.citizen_phone, ticket.citizen_address
        content = ticket.content
        if name or phone or address:
            audit(
                session,
                actor,
                "read_ticket",
                ticket.ticket_no,
                "citizen_name,citizen_phone,citizen_address",
                ctx.now,
            )
    else:
        name, phone = mask_name(ticket.citizen_name), mask_phone(ticket.citizen_phone)
        address, content = mask_address(ticket.citizen_address), mask_text(ticket.content)
    assists = [
        a.unit_code
        for a in session.exec(
            select(Assignment).where(
                Assignment.ticket_id == ticket.id,
                Assignment.role == AssignmentRole.ASSIST,
                col(Assignment.active).is_(True),
            )
        ).all()
    ]
    calls = list(session.exec(select(CallLink.linkedid).where(CallLink.ticket_id == ticket.id)).all())
    base = summary(ticket, ctx.now).model_dump()
    base.update(citizen_name=name, citizen_phone=phone)
    return TicketDetail(
        **base,
        content=content,
        location=ticket.location,
        citizen_address=address,
        identity_hidden=hidden,
        consent_disclosure=ticket.consent_disclosure,
        complained_unit_code=ticket.complained_unit_code,
        assist_unit_codes=assists,
        dispatched_at=ticket.dispatched_at,
        signed_at=ticket.signed_at,
        first_contact_at=ticket.first_contact_at,
        replied_at=ticket.replied_at,
        approved_at=ticket.approved_at,
        closed_at=ticket.closed_at,
        archived_at=ticket.archived_at,
        dispatch_due=ticket.dispatch_due,
        response_due=ticket.response_due,
        callback_due=ticket.callback_due,
        intake_closed=ticket.intake_closed,
        not_accepted_reason=ticket.not_accepted_reason,
        reply_text=ticket.reply_text,
        reply_person=ticket.reply_person,
        reply_head=ticket.reply_head,
        extension_days=ticket.extension_days,
        extension_reason=ticket.extension_reason,
        return_reason=ticket.return_reason,
        key_supervision=ticket.key_supervision,
        leader_instruction=ticket.leader_instruction,
        satisfaction=ticket.satisfaction,
        resolved=ticket.resolved,
        callback_count=ticket.callback_count,
        reopen_count=ticket.reopen_count,
        merged_into=ticket.merged_into,
        linked_calls=calls,
        allowed_actions=[a.value for a in allowed_actions(ticket.status, actor.role)],
    )


def events(session: Session, actor: Actor, ticket_no: str) -> list[EventView]:
    ticket = load(session, ticket_no)
    ensure_visible(session, actor, ticket)
    rows = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id))
    ).all()
    hidden = identity_hidden(actor, ticket)
    return [
        EventView(
            at=e.at,
            actor=e.actor,
            role=e.role,
            unit_code=e.unit_code,
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            note=mask_text(e.note) if hidden else e.note,
        )
        for e in rows
    ]

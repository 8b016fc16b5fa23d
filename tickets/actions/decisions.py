"""The centre's decisions on a unit's work: 审核, 延期审批, 退单审批 (+ 改派), 督办, 领导批示."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from tickets import deadlines
from tickets.actions.assignments import assign, end_assignments, lead_assignment
from tickets.actions.run import Outcome, Step, run_action
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.deadlines import WorkCalendar
from tickets.errors import InvalidInput, TransitionRefused
from tickets.lifecycle import Action
from tickets.models import CallbackTask, Ticket
from tickets.schemas import Decision, LeaderInstructionInput, ReturnDecision, ReviewInput, SuperviseInput
from tickets.vocab import CallbackKind, Status

LEADER_PRIORITY = 100  # 000 §20: leader instructions come first


def review(session: Session, actor: Actor, ticket_no: str, data: ReviewInput, ctx: Ctx) -> Ticket:
    """审核: approve (callback clock starts) or send back within the same deadline."""

    def send_back(step: Step) -> Outcome:
        if not data.note.strip():
            raise InvalidInput("退回须说明原因")
        step.ticket.send_back_count += 1
        return Outcome(note=data.note, unit_code=step.ticket.lead_unit_code)

    def approve(step: Step) -> Outcome:
        ticket = step.ticket
        ticket.approved_at = ctx.now
        ticket.callback_due = deadlines.callback_due(ctx.now, ctx.settings.rules)
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
        return Outcome(note=data.note, unit_code=ticket.lead_unit_code)

    if data.approve:
        return run_action(session, actor, ticket_no, Action.APPROVE, ctx, approve)
    return run_action(session, actor, ticket_no, Action.SEND_BACK, ctx, send_back)


def decide_extension(session: Session, actor: Actor, ticket_no: str, data: Decision, ctx: Ctx) -> Ticket:
    """The centre approves (the completion deadline moves) or refuses an extension."""

    def body(step: Step) -> Outcome:
        ticket = step.ticket
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
            lead = lead_assignment(session, ticket)
            if lead is not None:
                lead.extended = True
                lead.complete_due = new_due
                session.add(lead)
            payload.update(old_due=old_due.isoformat(), new_due=new_due.isoformat())
        ticket.extension_days = ticket.extension_reason = None
        return Outcome(
            event="extension_approved" if data.approve else "extension_refused",
            note=data.note,
            unit_code=ticket.lead_unit_code,
            data=payload,
        )

    return run_action(session, actor, ticket_no, Action.DECIDE_EXTENSION, ctx, body)


def decide_return(session: Session, actor: Actor, ticket_no: str, data: ReturnDecision, ctx: Ctx) -> Ticket:
    """退单审批: refused, the unit carries on where it was; approved, 改派 at once or back to the centre."""

    def body(step: Step) -> Outcome:
        ticket = step.ticket
        old_unit = ticket.lead_unit_code
        if not data.approve:
            back = Status(ticket.status_before_return or Status.DISPATCHED)
            ticket.return_reason = ticket.status_before_return = None
            return Outcome(event="return_refused", status=back, note=data.note, unit_code=old_unit)
        if data.new_lead_unit_code == old_unit:
            raise InvalidInput("改派单位不能是申请退单的单位")
        lead = lead_assignment(session, ticket)
        if lead is not None:
            lead.returned = True
            session.add(lead)
        if data.new_lead_unit_code:
            assign(session, ticket, data.new_lead_unit_code, data.assist_unit_codes, ctx)
            status = Status.DISPATCHED
        else:
            end_assignments(session, ticket, ctx)
            ticket.lead_unit_code = None
            ticket.response_due = ticket.complete_due = None
            ticket.return_reason = ticket.status_before_return = None
            status = Status.RETURNED
        return Outcome(
            event="return_approved",
            status=status,
            note=data.note,
            unit_code=old_unit,
            data={"redispatched_to": data.new_lead_unit_code},
        )

    return run_action(session, actor, ticket_no, Action.DECIDE_RETURN, ctx, body)


def supervise(session: Session, actor: Actor, ticket_no: str, data: SuperviseInput, ctx: Ctx) -> Ticket:
    """督办 by a supervisor: one level up (reminder → notice → escalation, 000 §23)."""

    def body(step: Step) -> Outcome:
        ticket = step.ticket
        ticket.supervision_level = min(3, ticket.supervision_level + 1)
        ticket.key_supervision = ticket.key_supervision or data.key
        return Outcome(
            note=data.note,
            unit_code=ticket.lead_unit_code,
            data={"level": ticket.supervision_level, "key": data.key},
        )

    return run_action(session, actor, ticket_no, Action.SUPERVISE, ctx, body)


def leader_instruction(
    session: Session, actor: Actor, ticket_no: str, data: LeaderInstructionInput, ctx: Ctx
) -> Ticket:
    """领导批示: highest priority and key supervision (000 §20, 000 §23(一))."""

    def body(step: Step) -> Outcome:
        step.ticket.leader_instruction = f"{data.leader}:{data.instruction}"
        step.ticket.priority = LEADER_PRIORITY
        step.ticket.key_supervision = True
        return Outcome(note=data.instruction, data={"leader": data.leader})

    return run_action(session, actor, ticket_no, Action.LEADER_INSTRUCTION, ctx, body)

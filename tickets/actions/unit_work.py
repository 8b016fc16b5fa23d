"""The lead unit's work on a ticket: 签收, 首次联系, 答复, 延期申请, 退单申请; 会办 notes."""

from __future__ import annotations

from sqlmodel import Session

from tickets import deadlines
from tickets.actions.assignments import lead_assignment
from tickets.actions.run import Outcome, Step, run_action
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.deadlines import WorkCalendar
from tickets.errors import InvalidInput, TransitionRefused
from tickets.lifecycle import Action
from tickets.models import Ticket
from tickets.schemas import ExtensionRequest, Note, ReplyInput, ReturnRequest


def sign(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    def body(step: Step) -> Outcome:
        step.ticket.signed_at = ctx.now
        return Outcome(note=data.note)

    return run_action(session, actor, ticket_no, Action.SIGN, ctx, body)


def first_contact(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    def body(step: Step) -> Outcome:
        step.ticket.first_contact_at = ctx.now
        lead = lead_assignment(session, step.ticket)
        if lead is not None:
            lead.first_contact_at = ctx.now
            session.add(lead)
        return Outcome(note=data.note)

    return run_action(session, actor, ticket_no, Action.FIRST_CONTACT, ctx, body)


def reply(session: Session, actor: Actor, ticket_no: str, data: ReplyInput, ctx: Ctx) -> Ticket:
    """答复: names the responsible person and the head who signed it off (001 五(四))."""

    def body(step: Step) -> Outcome:
        ticket = step.ticket
        ticket.reply_text = data.text
        ticket.reply_person = data.responsible_person
        ticket.reply_head = data.head_signoff
        ticket.replied_at = ctx.now
        lead = lead_assignment(session, ticket)
        if lead is not None:
            lead.replied_at = ctx.now
            session.add(lead)
        return Outcome(
            note=data.text,
            data={"responsible_person": data.responsible_person, "head_signoff": data.head_signoff},
        )

    return run_action(session, actor, ticket_no, Action.REPLY, ctx, body)


def ask_extension(session: Session, actor: Actor, ticket_no: str, data: ExtensionRequest, ctx: Ctx) -> Ticket:
    def body(step: Step) -> Outcome:
        ticket = step.ticket
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
        return Outcome(note=data.reason, data={"days": data.days})

    return run_action(session, actor, ticket_no, Action.ASK_EXTENSION, ctx, body)


def ask_return(session: Session, actor: Actor, ticket_no: str, data: ReturnRequest, ctx: Ctx) -> Ticket:
    """退单: only within the return window after dispatch (001 四(五))."""

    def body(step: Step) -> Outcome:
        ticket = step.ticket
        if ticket.dispatched_at is not None:
            limit = deadlines.return_deadline(
                ticket.dispatched_at, ctx.settings.rules, WorkCalendar.load(session), ctx.tz
            )
            if ctx.now > limit:
                raise TransitionRefused(
                    f"退单须在派单后{ctx.settings.rules.return_window_working_days}个工作日内提出,已超过退单时限"
                )
        ticket.return_reason = data.reason
        ticket.status_before_return = step.before
        return Outcome(note=data.reason)

    return run_action(session, actor, ticket_no, Action.ASK_RETURN, ctx, body)


def assist_note(session: Session, actor: Actor, ticket_no: str, data: Note, ctx: Ctx) -> Ticket:
    """会办 (004 §12(四)): an assisting unit adds its part to the record."""

    def body(_step: Step) -> Outcome:
        if not data.note:
            raise InvalidInput("协办意见不能为空")
        return Outcome(note=data.note, touches=False)

    return run_action(session, actor, ticket_no, Action.ASSIST_NOTE, ctx, body)

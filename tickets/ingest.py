"""Writes the call path's hand-off records (core.contracts) into the database, idempotently.

Keys: `CallLink.linkedid` for a call, (linkedid, target) for an emergency referral, (ticket_no,
linkedid) for a survey. A record seen before changes nothing, so the ticket writer may deliver
the same stream entry twice (crash between commit and ack) without duplicating anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.contracts import CallRecord, EmergencyReferral, HandoffRecord, SurveyResult
from core.dialplan import PRIORITY_URGENT
from core.settings import Settings
from tickets import history
from tickets.actions import acceptance, closing
from tickets.actors import IVR_SURVEY, SYSTEM
from tickets.context import Ctx
from tickets.errors import NotFound
from tickets.models import CallbackTask, CallLink, Category, EmergencyReferralRow, Survey, Ticket, Unit
from tickets.schemas import CallbackInput, TicketIntake
from tickets.vocab import CallbackKind, Channel, Satisfaction, Status, TicketType, Urgency

# A missed call is called back within the hour (DOMAIN.md §1: every call answered).
MISSED_CALL_CALLBACK_MINUTES = 60
MISSED_OUTCOMES = ("abandoned", "unanswered")
_TYPES = {t.value for t in TicketType}


def ingest_record(
    session: Session, record: HandoffRecord, settings: Settings, now: datetime
) -> list[tuple[str, datetime]]:
    """Writes one hand-off record; returns (ticket number, time of the change) for each ticket
    whose state the units see changed, so the caller can tell their portals after the commit."""
    if isinstance(record, CallRecord):
        _ingest_call(session, record, settings, now)
        return []  # a call links to a ticket or opens a draft: no unit's view changes
    if isinstance(record, EmergencyReferral):
        _ingest_referral(session, record)
        return []
    if isinstance(record, SurveyResult):
        return _ingest_survey(session, record, settings, now)
    raise TypeError(f"unknown hand-off record {type(record).__name__}")  # pragma: no cover


def _ingest_call(session: Session, record: CallRecord, settings: Settings, now: datetime) -> None:
    if session.exec(select(CallLink.id).where(CallLink.linkedid == record.linkedid)).first() is not None:
        return
    link = CallLink(
        linkedid=record.linkedid,
        caller=record.caller,
        did=record.did,
        outcome=record.outcome,
        started_at=record.started_at,
        ended_at=record.ended_at,
        seat=record.seat,
        queue=record.queue,
        wait_s=record.wait_s,
        talk_s=record.talk_s,
        recording_path=record.recording_path or (record.ivr.recording_path if record.ivr else None),
        record_json=record.model_dump_json(),
    )
    referral = session.exec(
        select(EmergencyReferralRow).where(EmergencyReferralRow.linkedid == record.linkedid)
    ).first()
    if referral is not None:
        link.referral_id = referral.id
    session.add(link)
    session.flush()
    ctx = Ctx(settings, now)
    if record.outcome in MISSED_OUTCOMES:
        # 漏接回拨: the citizen left the queue before a seat answered.
        session.add(
            CallbackTask(
                kind=CallbackKind.MISSED_CALL,
                phone=record.caller,
                linkedid=record.linkedid,
                created_at=now,
                due_at=record.ended_at + _minutes(MISSED_CALL_CALLBACK_MINUTES),
                note=f"队列{record.queue or ''}等待{record.wait_s or 0:.0f}秒后挂机",
            )
        )
        return
    if record.outcome != "answered":
        return  # ivr_hangup / emergency_referred: the link (and the referral) is the record
    ticket = _ticket(session, record.ticket_no) if record.ticket_no else None
    if ticket is None:
        ticket = acceptance.create_ticket(session, SYSTEM, _draft_intake(session, record), ctx)
        # The IVR's lead unit is only shown to the seat who completes the draft: a seat dispatches.
        suggested = _suggested_unit(session, record)
        history.add_event(
            session,
            ticket,
            SYSTEM,
            "draft_from_call",
            ctx,
            note="通话结束时未关联工单,系统生成待补录工单" + _unit_note(suggested),
            data={
                "linkedid": record.linkedid,
                "seat": record.seat,
                "ticket_no_given": record.ticket_no,
                "suggested_unit": suggested.code if suggested is not None else None,
            },
        )
    link.ticket_id = ticket.id
    session.add(link)
    history.add_event(
        session,
        ticket,
        SYSTEM,
        "call_linked",
        ctx,
        from_status=ticket.status,
        data={"linkedid": record.linkedid, "seat": record.seat},
    )


def _ticket(session: Session, ticket_no: str) -> Ticket | None:
    return session.exec(select(Ticket).where(Ticket.ticket_no == ticket_no)).first()


def _draft_intake(session: Session, record: CallRecord) -> TicketIntake:
    ivr = record.ivr
    category = ivr.category if ivr and ivr.category else None
    if category is not None and session.get(Category, category) is None:
        # A code the tree lost, or a marker of an IVR older than the typed emergency_service /
        # not_accepted_reason (emergency_<service>, not_accepted_<reason>): no tree holds those.
        category = None
    ticket_type = ivr.ticket_type if ivr and ivr.ticket_type in _TYPES else TicketType.HELP
    # 003 §10: what the IVR queued as urgent (utility outages) is an urgent 突发事件 ticket.
    urgent = ivr is not None and ivr.priority is not None and ivr.priority >= PRIORITY_URGENT
    transcript = (ivr.transcript or "").strip() if ivr else ""
    return TicketIntake(
        channel=Channel.PHONE,
        type=TicketType(ticket_type),
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
        category_code=category,
        title=(transcript[:30] or "来电待补录"),
        content=transcript or f"来电{record.caller},坐席{record.seat or '未知'}接听,请补录诉求内容",
        citizen_name=record.caller_name,
        citizen_phone=record.caller,
    )


def _suggested_unit(session: Session, record: CallRecord) -> Unit | None:
    code = record.ivr.suggested_unit if record.ivr else None
    unit = session.get(Unit, code) if code else None
    return unit if unit is not None and unit.active else None


def _unit_note(unit: Unit | None) -> str:
    return f";IVR建议主办单位:{unit.name}(待坐席派单)" if unit is not None else ""


def _ingest_referral(session: Session, record: EmergencyReferral) -> None:
    existing = session.exec(
        select(EmergencyReferralRow).where(
            EmergencyReferralRow.linkedid == record.linkedid, EmergencyReferralRow.target == record.target
        )
    ).first()
    if existing is not None:
        # The IVR records its re-route at once (pending); the call control records how it ended,
        # and again when the alternative route was tried after a busy one. Answered is final.
        if existing.outcome != "answered" and record.outcome != "pending":
            existing.outcome = record.outcome
            session.add(existing)
        return
    referral = EmergencyReferralRow(
        linkedid=record.linkedid,
        caller=record.caller,
        target=record.target,
        source=record.source,
        reason=record.reason,
        transcript=record.transcript,
        seat=record.seat,
        at=record.at,
        outcome=record.outcome,
    )
    session.add(referral)
    session.flush()
    link = session.exec(select(CallLink).where(CallLink.linkedid == record.linkedid)).first()
    if link is not None and link.referral_id is None:
        link.referral_id = referral.id
        session.add(link)


def _ingest_survey(
    session: Session, record: SurveyResult, settings: Settings, now: datetime
) -> list[tuple[str, datetime]]:
    seen = session.exec(
        select(Survey.id).where(Survey.ticket_no == record.ticket_no, Survey.linkedid == record.linkedid)
    ).first()
    if seen is not None:
        return []
    ticket = _ticket(session, record.ticket_no)
    if ticket is None:
        # Left pending, then dead-lettered by the consumer: kept, never silently dropped.
        raise NotFound(f"回访结果对应的工单不存在:{record.ticket_no}")
    ctx = Ctx(settings, now)
    answered = record.answered and record.satisfaction is not None
    if answered and ticket.status == Status.APPROVED:
        assert record.satisfaction is not None
        # The callback happened when the citizen answered, not when the record was written.
        closing.callback(
            session,
            IVR_SURVEY,
            ticket.ticket_no,
            CallbackInput(
                satisfaction=Satisfaction(record.satisfaction),
                resolved=bool(record.resolved),
                note="自动语音回访",
            ),
            Ctx(settings, record.at),
            linkedid=record.linkedid,
        )
        return [(ticket.ticket_no, record.at)]
    # Unanswered, or the ticket has moved on (a seat already called back): kept as a record.
    session.add(
        Survey(
            ticket_id=ticket.id or 0,
            ticket_no=ticket.ticket_no,
            linkedid=record.linkedid,
            unit_code=ticket.lead_unit_code,
            at=record.at,
            answered=False if not answered else True,
            satisfaction=record.satisfaction,
            resolved=record.resolved,
            by=IVR_SURVEY.username,
        )
    )
    for task in session.exec(
        select(CallbackTask).where(
            CallbackTask.ticket_id == ticket.id, CallbackTask.kind == CallbackKind.SURVEY
        )
    ).all():
        if not task.done:
            task.attempts += 1
            task.note = "自动语音回访未应答" if not answered else task.note
            session.add(task)
    history.add_event(
        session,
        ticket,
        IVR_SURVEY,
        "survey_unanswered" if not answered else "survey_ignored",
        ctx,
        from_status=ticket.status,
        note="自动语音回访无应答,回访任务保持待办"
        if not answered
        else f"工单状态为{ticket.status},回访结果仅存档",
        data={"linkedid": record.linkedid},
    )
    return []  # the ticket's state and clocks are as they were


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)

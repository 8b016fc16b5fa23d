"""Tickets: intake from every channel, lists and detail (scoped), every life-cycle action.

Every action answers with the ticket's summary; a refused action answers 403 (role or unit) or
409 (state) with the reason and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from agent_desk.api.deps import ActorDep, CtxDep, DbDep
from agent_desk.api.errors import TICKET_ERRORS
from agent_desk.api.unit_live import UnitPublisher, UnitPublisherDep
from tickets import service, unit_events
from tickets.db import Database
from tickets.models import Ticket
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
from tickets.service import Ctx
from tickets.unit_events import UnitDelta

router = APIRouter(prefix="/api/tickets", tags=["tickets"], responses=TICKET_ERRORS)


async def _apply(
    db: Database, ctx: Ctx, fn: Callable[[Session], Ticket], live: UnitPublisher | None = None
) -> TicketSummary:
    def work(s: Session) -> tuple[TicketSummary, list[UnitDelta]]:
        ticket = fn(s)
        deltas = unit_events.collect(s, ticket, ctx.now) if live is not None else []
        return service.summary(ticket, ctx.now), deltas

    summary, deltas = await db.run(work)
    if live is not None:
        # After the commit: the units' portals re-read the ticket through this API.
        await live.publish(deltas)
    return summary


@router.post("", response_model=TicketSummary, status_code=201, summary="受理工单(任一渠道)")
async def intake(
    body: TicketIntake, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.create_ticket(s, actor, body, ctx), live)


@router.get("", response_model=list[TicketSummary], summary="工单列表(按角色和单位限定范围,个人信息脱敏)")
async def list_tickets(
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    status: str | None = None,
    channel: str | None = None,
    type: str | None = None,
    unit_code: str | None = None,
    category_code: str | None = None,
    phone: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TicketSummary]:
    flt = TicketFilter(
        status=status,
        channel=channel,
        type=type,
        unit_code=unit_code,
        category_code=category_code,
        phone=phone,
        created_from=created_from,
        created_to=created_to,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return await db.run(lambda s: service.list_tickets(s, actor, flt, ctx))


@router.get("/{ticket_no}", response_model=TicketDetail, summary="工单详情(读取个人信息记入审计日志)")
async def get_ticket(ticket_no: str, actor: ActorDep, db: DbDep, ctx: CtxDep) -> TicketDetail:
    return await db.run(lambda s: service.detail(s, actor, ticket_no, ctx))


@router.get("/{ticket_no}/events", response_model=list[EventView], summary="工单流转记录(只增不改)")
async def get_events(ticket_no: str, actor: ActorDep, db: DbDep) -> list[EventView]:
    return await db.run(lambda s: service.events(s, actor, ticket_no))


# ---- centre: intake outcomes


@router.post("/{ticket_no}/dispatch", response_model=TicketSummary, summary="派单/改派(主办+协办单位)")
async def dispatch(
    ticket_no: str, body: DispatchInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.dispatch(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/close-at-intake", response_model=TicketSummary, summary="直接办结")
async def close_at_intake(
    ticket_no: str, body: CloseAtIntakeInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.close_at_intake(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/refuse", response_model=TicketSummary, summary="不予受理(须给出原因代码)")
async def refuse(
    ticket_no: str, body: RefuseInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.refuse(s, actor, ticket_no, body, ctx), live)


# ---- unit actions


@router.post("/{ticket_no}/sign", response_model=TicketSummary, summary="签收(主办单位)")
async def sign(
    ticket_no: str, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.sign(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/first-contact", response_model=TicketSummary, summary="首次联系群众(主办单位)")
async def first_contact(
    ticket_no: str, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.first_contact(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/reply", response_model=TicketSummary, summary="答复(责任人+单位负责人签发)")
async def reply(
    ticket_no: str, body: ReplyInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.reply(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/extension", response_model=TicketSummary, summary="申请延期(主办单位)")
async def ask_extension(
    ticket_no: str, body: ExtensionRequest, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.ask_extension(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/return", response_model=TicketSummary, summary="申请退单(主办单位)")
async def ask_return(
    ticket_no: str, body: ReturnRequest, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.ask_return(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/assist-note", response_model=TicketSummary, summary="协办意见(会办)")
async def assist_note(
    ticket_no: str, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.assist_note(s, actor, ticket_no, body, ctx), live)


# ---- centre decisions


@router.post("/{ticket_no}/review", response_model=TicketSummary, summary="审核答复(通过/退回)")
async def review(
    ticket_no: str, body: ReviewInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.review(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/extension/decision", response_model=TicketSummary, summary="审批延期")
async def decide_extension(
    ticket_no: str, body: Decision, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.decide_extension(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/return/decision", response_model=TicketSummary, summary="审批退单(可同时改派)")
async def decide_return(
    ticket_no: str, body: ReturnDecision, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.decide_return(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/supervise", response_model=TicketSummary, summary="督办")
async def supervise(
    ticket_no: str, body: SuperviseInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.supervise(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/leader-instruction", response_model=TicketSummary, summary="领导批示")
async def leader_instruction(
    ticket_no: str,
    body: LeaderInstructionInput,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.leader_instruction(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/callback", response_model=TicketSummary, summary="回访(满意度+是否解决)")
async def callback(
    ticket_no: str, body: CallbackInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.callback(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/reopen", response_model=TicketSummary, summary="重办")
async def reopen(
    ticket_no: str, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.reopen(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/merge", response_model=TicketSummary, summary="并单(重复工单并入另一工单)")
async def merge(
    ticket_no: str, body: MergeInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.merge(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/close", response_model=TicketSummary, summary="办结(无法回访时说明原因)")
async def close(
    ticket_no: str, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.close(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/archive", response_model=TicketSummary, summary="归档")
async def archive(
    ticket_no: str, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: service.archive(s, actor, ticket_no, body, ctx), live)

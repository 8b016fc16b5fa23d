"""Tickets: intake from every channel, lists and detail (scoped), every life-cycle action.

Every action answers with the ticket's summary; a refused action answers 403 (role or unit) or
409 (state) with the reason and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import Session

from agent_desk.api.deps import ActorDep, CtxDep, DbDep
from agent_desk.api.errors import TICKET_ERRORS
from agent_desk.api.params import CodeQuery, OffsetQuery, PhoneQuery, TicketNoPath, TimeQuery
from agent_desk.api.unit_live import UnitPublisher, UnitPublisherDep
from tickets import queries, unit_events, views
from tickets.actions import acceptance, closing, decisions, unit_work
from tickets.context import Ctx
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
from tickets.unit_events import UnitDelta
from tickets.vocab import Channel, Status, TicketType

router = APIRouter(prefix="/api/tickets", tags=["tickets"], responses=TICKET_ERRORS)


async def _apply(
    db: Database, ctx: Ctx, fn: Callable[[Session], Ticket], live: UnitPublisher | None = None
) -> TicketSummary:
    def work(s: Session) -> tuple[TicketSummary, list[UnitDelta]]:
        ticket = fn(s)
        deltas = unit_events.collect(s, ticket, ctx.now) if live is not None else []
        return views.summary(ticket, ctx.now), deltas

    summary, deltas = await db.run(work)
    if live is not None:
        # After the commit: the units' portals re-read the ticket through this API.
        await live.publish(deltas)
    return summary


# Visible ASCII only: the key is compared byte for byte and stored per account.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="客户端为每个受理请求生成的唯一键(1-200 个可见 ASCII 字符);重发同一请求时带同一个键",
    ),
]


@router.post(
    "",
    response_model=TicketSummary,
    status_code=201,
    summary="受理工单(任一渠道)",
    description=(
        "201:新建工单。重复的请求不新建工单:同一账号带同一 `Idempotency-Key`、"
        "或 `linkedid` 的通话已由同样内容的请求受理时,答 200 与首次受理的工单。"
        "同一键或同一通话配不同内容:409(`idempotency_key_reused` / `call_already_ticketed`)。"
    ),
    responses={200: {"model": TicketSummary, "description": "重复请求:首次受理的工单(未新建)"}},
)
async def intake(
    body: TicketIntake,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TicketSummary:
    def work(s: Session) -> tuple[TicketSummary, bool, list[UnitDelta]]:
        done = acceptance.accept(s, actor, body, ctx, idempotency_key)
        deltas = unit_events.collect(s, done.ticket, ctx.now) if done.created else []
        return views.summary(done.ticket, ctx.now), done.created, deltas

    summary, created, deltas = await db.run(work)
    if created:
        await live.publish(deltas)
    else:
        response.status_code = 200
    return summary


@router.get("", response_model=list[TicketSummary], summary="工单列表(按角色和单位限定范围,个人信息脱敏)")
async def list_tickets(
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    status: Status | None = None,
    channel: Channel | None = None,
    type: TicketType | None = None,
    unit_code: CodeQuery = None,
    category_code: CodeQuery = None,
    phone: PhoneQuery = None,
    created_from: TimeQuery = None,
    created_to: TimeQuery = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: OffsetQuery = 0,
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
    return await db.run(lambda s: queries.list_tickets(s, actor, flt, ctx))


@router.get("/{ticket_no}", response_model=TicketDetail, summary="工单详情(读取个人信息记入审计日志)")
async def get_ticket(ticket_no: TicketNoPath, actor: ActorDep, db: DbDep, ctx: CtxDep) -> TicketDetail:
    return await db.run(lambda s: queries.detail(s, actor, ticket_no, ctx))


@router.get("/{ticket_no}/events", response_model=list[EventView], summary="工单流转记录(只增不改)")
async def get_events(ticket_no: TicketNoPath, actor: ActorDep, db: DbDep) -> list[EventView]:
    return await db.run(lambda s: queries.events(s, actor, ticket_no))


# ---- centre: intake outcomes


@router.post("/{ticket_no}/dispatch", response_model=TicketSummary, summary="派单/改派(主办+协办单位)")
async def dispatch(
    ticket_no: TicketNoPath,
    body: DispatchInput,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: acceptance.dispatch(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/close-at-intake", response_model=TicketSummary, summary="直接办结")
async def close_at_intake(
    ticket_no: TicketNoPath,
    body: CloseAtIntakeInput,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: acceptance.close_at_intake(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/refuse", response_model=TicketSummary, summary="不予受理(须给出原因代码)")
async def refuse(
    ticket_no: TicketNoPath,
    body: RefuseInput,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: acceptance.refuse(s, actor, ticket_no, body, ctx), live)


# ---- unit actions


@router.post("/{ticket_no}/sign", response_model=TicketSummary, summary="签收(主办单位)")
async def sign(
    ticket_no: TicketNoPath, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: unit_work.sign(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/first-contact", response_model=TicketSummary, summary="首次联系群众(主办单位)")
async def first_contact(
    ticket_no: TicketNoPath, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: unit_work.first_contact(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/reply", response_model=TicketSummary, summary="答复(责任人+单位负责人签发)")
async def reply(
    ticket_no: TicketNoPath, body: ReplyInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: unit_work.reply(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/extension", response_model=TicketSummary, summary="申请延期(主办单位)")
async def ask_extension(
    ticket_no: TicketNoPath,
    body: ExtensionRequest,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: unit_work.ask_extension(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/return", response_model=TicketSummary, summary="申请退单(主办单位)")
async def ask_return(
    ticket_no: TicketNoPath,
    body: ReturnRequest,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: unit_work.ask_return(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/assist-note", response_model=TicketSummary, summary="协办意见(会办)")
async def assist_note(
    ticket_no: TicketNoPath, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: unit_work.assist_note(s, actor, ticket_no, body, ctx), live)


# ---- centre decisions


@router.post("/{ticket_no}/review", response_model=TicketSummary, summary="审核答复(通过/退回)")
async def review(
    ticket_no: TicketNoPath,
    body: ReviewInput,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: decisions.review(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/extension/decision", response_model=TicketSummary, summary="审批延期")
async def decide_extension(
    ticket_no: TicketNoPath, body: Decision, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: decisions.decide_extension(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/return/decision", response_model=TicketSummary, summary="审批退单(可同时改派)")
async def decide_return(
    ticket_no: TicketNoPath,
    body: ReturnDecision,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: decisions.decide_return(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/supervise", response_model=TicketSummary, summary="督办")
async def supervise(
    ticket_no: TicketNoPath,
    body: SuperviseInput,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: decisions.supervise(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/leader-instruction", response_model=TicketSummary, summary="领导批示")
async def leader_instruction(
    ticket_no: TicketNoPath,
    body: LeaderInstructionInput,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: decisions.leader_instruction(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/callback", response_model=TicketSummary, summary="回访(满意度+是否解决)")
async def callback(
    ticket_no: TicketNoPath,
    body: CallbackInput,
    actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    live: UnitPublisherDep,
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: closing.callback(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/reopen", response_model=TicketSummary, summary="重办")
async def reopen(
    ticket_no: TicketNoPath, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: closing.reopen(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/merge", response_model=TicketSummary, summary="并单(重复工单并入另一工单)")
async def merge(
    ticket_no: TicketNoPath, body: MergeInput, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: closing.merge(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/close", response_model=TicketSummary, summary="办结(无法回访时说明原因)")
async def close(
    ticket_no: TicketNoPath, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: closing.close(s, actor, ticket_no, body, ctx), live)


@router.post("/{ticket_no}/archive", response_model=TicketSummary, summary="归档")
async def archive(
    ticket_no: TicketNoPath, body: Note, actor: ActorDep, db: DbDep, ctx: CtxDep, live: UnitPublisherDep
) -> TicketSummary:
    return await _apply(db, ctx, lambda s: closing.archive(s, actor, ticket_no, body, ctx), live)

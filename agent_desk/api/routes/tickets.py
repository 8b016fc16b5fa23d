"""Tickets: intake from every channel, lists and detail (scoped), every life-cycle action.

Every view is built by `tickets.policy` for the reader: no route sees an ORM row. Every action
answers with the ticket's summary as its actor sees it; a refused action answers 403 (role or
unit) or 409 (state) with the reason and changes nothing; a ticket out of the actor's scope answers
404 like a missing one (issue 11: no existence oracle).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel
from sqlmodel import Session

from agent_desk.api.deps import ActorDep, CtxDep, DbDep
from agent_desk.api.errors import TICKET_ERRORS
from agent_desk.api.params import CodeQuery, OffsetQuery, PhoneQuery, TicketNoPath, TimeQuery
from agent_desk.api.unit_live import UnitPublisher, UnitPublisherDep
from tickets import policy, queries, unit_events
from tickets.actions import acceptance, closing, decisions, unit_work
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.db import Database
from tickets.models import Ticket
from tickets.policy import EventView, TicketDetail, TicketSummary
from tickets.schemas import (
    CallbackInput,
    CloseAtIntakeInput,
    Decision,
    DispatchInput,
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
    TicketFilter,
    TicketIntake,
    UnmaskInput,
)
from tickets.unit_events import UnitDelta
from tickets.vocab import Channel, Status, TicketType

router = APIRouter(prefix="/api/tickets", tags=["tickets"], responses=TICKET_ERRORS)


async def _apply(
    db: Database, ctx: Ctx, actor: Actor, fn: Callable[[Session], Ticket], live: UnitPublisher
) -> TicketSummary:
    def work(s: Session) -> tuple[TicketSummary, list[UnitDelta]]:
        ticket = fn(s)
        return queries.summary(s, actor, ticket, ctx), unit_events.collect(s, ticket, ctx.now)

    summary, deltas = await db.run(work)
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
        return queries.summary(s, actor, done.ticket, ctx), done.created, deltas

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
async def get_events(ticket_no: TicketNoPath, actor: ActorDep, db: DbDep, ctx: CtxDep) -> list[EventView]:
    return await db.run(lambda s: queries.events(s, actor, ticket_no, ctx))


@router.post(
    "/{ticket_no}/unmask",
    response_model=TicketDetail,
    summary="查看未脱敏信息(须填写理由,记入审计日志)",
    description=(
        "审计员、值班长默认看到脱敏数据;本操作返回未脱敏的工单详情,并把理由写入审计日志"
        "(`GET /api/audit` 可见)。其他角色(含被投诉单位)答 403,不写任何记录;理由为空答 422。"
    ),
)
async def unmask(
    ticket_no: TicketNoPath, body: UnmaskInput, actor: ActorDep, db: DbDep, ctx: CtxDep
) -> TicketDetail:
    return await db.run(lambda s: policy.unmask(s, actor, ticket_no, body.reason, ctx))


# ---- life-cycle actions: one route skeleton, registered from the table below

ActionFn = Callable[[Session, Actor, str, Any, Ctx], Ticket]


def _action_route(path: str, fn: ActionFn, body_type: type[BaseModel], summary: str) -> None:
    """POST /{ticket_no}/<path>: run the action, publish the unit deltas, answer the summary."""

    async def endpoint(
        ticket_no: str, body: BaseModel, actor: Actor, db: Database, ctx: Ctx, live: UnitPublisher
    ) -> TicketSummary:
        return await _apply(db, ctx, actor, lambda s: fn(s, actor, ticket_no, body, ctx), live)

    # FastAPI reads the parameters from the signature: the body's own type per action, the same
    # dependencies for all.
    params: list[tuple[str, Any]] = [
        ("ticket_no", TicketNoPath),
        ("body", body_type),
        ("actor", ActorDep),
        ("db", DbDep),
        ("ctx", CtxDep),
        ("live", UnitPublisherDep),
    ]
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature(
        [inspect.Parameter(name, kind, annotation=annotation) for name, annotation in params],
        return_annotation=TicketSummary,
    )
    setattr(endpoint, "__signature__", signature)  # noqa: B010 (FastAPI reads the attribute)
    endpoint.__name__ = endpoint.__qualname__ = fn.__name__
    router.add_api_route(
        f"/{{ticket_no}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=TicketSummary,
        summary=summary,
        name=fn.__name__,
    )


ACTIONS: list[tuple[str, ActionFn, type[BaseModel], str]] = [
    # centre: intake outcomes
    ("dispatch", acceptance.dispatch, DispatchInput, "派单/改派(主办+协办单位)"),
    ("close-at-intake", acceptance.close_at_intake, CloseAtIntakeInput, "直接办结"),
    ("refuse", acceptance.refuse, RefuseInput, "不予受理(须给出原因代码)"),
    # unit actions
    ("sign", unit_work.sign, Note, "签收(主办单位)"),
    ("first-contact", unit_work.first_contact, Note, "首次联系群众(主办单位)"),
    ("reply", unit_work.reply, ReplyInput, "答复(责任人+单位负责人签发)"),
    ("extension", unit_work.ask_extension, ExtensionRequest, "申请延期(主办单位)"),
    ("return", unit_work.ask_return, ReturnRequest, "申请退单(主办单位)"),
    ("assist-note", unit_work.assist_note, Note, "协办意见(会办)"),
    # centre decisions
    ("review", decisions.review, ReviewInput, "审核答复(通过/退回)"),
    ("extension/decision", decisions.decide_extension, Decision, "审批延期"),
    ("return/decision", decisions.decide_return, ReturnDecision, "审批退单(可同时改派)"),
    ("supervise", decisions.supervise, SuperviseInput, "督办"),
    ("leader-instruction", decisions.leader_instruction, LeaderInstructionInput, "领导批示"),
    # closing
    ("callback", closing.callback, CallbackInput, "回访(满意度+是否解决)"),
    ("reopen", closing.reopen, Note, "重办"),
    ("merge", closing.merge, MergeInput, "并单(重复工单并入另一工单)"),
    ("close", closing.close, Note, "办结(无法回访时说明原因)"),
    ("archive", closing.archive, Note, "归档"),
]

for _path, _fn, _body, _summary in ACTIONS:
    _action_route(_path, _fn, _body, _summary)

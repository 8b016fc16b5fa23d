"""The watch list (supervisors only)."""

from __future__ import annotations

from fastapi import APIRouter

from agent_desk.api.deps import CtxDep, DbDep, SupervisorDep
from agent_desk.api.errors import TICKET_ERRORS
from agent_desk.api.params import PhonePath
from tickets import watchlist

router = APIRouter(prefix="/api/watchlist", tags=["watchlist"], responses=TICKET_ERRORS)


@router.get("", response_model=list[watchlist.WatchView], summary="重点关注号码")
async def entries(_actor: SupervisorDep, db: DbDep) -> list[watchlist.WatchView]:
    return await db.run(watchlist.entries)


@router.post("", response_model=watchlist.WatchView, status_code=201, summary="加入关注名单")
async def add(
    body: watchlist.WatchInput, actor: SupervisorDep, db: DbDep, ctx: CtxDep
) -> watchlist.WatchView:
    return await db.run(lambda s: watchlist.add(s, actor, body, ctx.now))


@router.delete("/{phone}", response_model=watchlist.WatchView, summary="移出关注名单")
async def remove(phone: PhonePath, _actor: SupervisorDep, db: DbDep) -> watchlist.WatchView:
    return await db.run(lambda s: watchlist.remove(s, phone))

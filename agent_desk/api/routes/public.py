"""What the public sees without logging in: KB self-service and the disclosure list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agent_desk.api.deps import CtxDep, DbDep
from agent_desk.api.params import OffsetQuery
from tickets import disclosure, kb
from tickets.policy import DisclosureItem

router = APIRouter(prefix="/api/public", tags=["public"])


@router.get("/kb/search", response_model=list[kb.PublicKbHit], summary="公众自助查询知识库")
async def public_search(
    q: Annotated[str, Query(min_length=1, max_length=200)],
    db: DbDep,
    ctx: CtxDep,
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> list[kb.PublicKbHit]:
    today = ctx.now.astimezone(ctx.tz).date()
    return await db.run(lambda s: kb.public_search(s, q, today, limit))


@router.get("/disclosures", response_model=list[DisclosureItem], summary="受理公开(经本人同意,脱敏)")
async def disclosures(
    db: DbDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> list[DisclosureItem]:
    return await db.run(lambda s: disclosure.public_list(s, limit, offset))

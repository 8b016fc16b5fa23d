"""Units directory (with duty phones) and the category tree."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agent_desk.api.deps import ActorDep, DbDep
from agent_desk.api.errors import AUTH_ERRORS
from tickets import directory

router = APIRouter(prefix="/api", tags=["units"], responses=AUTH_ERRORS)


@router.get("/units", response_model=list[directory.UnitView], summary="单位目录(含值班电话)")
async def units(
    _actor: ActorDep, db: DbDep, tier: Annotated[int | None, Query(ge=1, le=3)] = None
) -> list[directory.UnitView]:
    return await db.run(lambda s: directory.units(s, tier))


@router.get("/categories", response_model=list[directory.CategoryNode], summary="诉求分类树")
async def categories(_actor: ActorDep, db: DbDep) -> list[directory.CategoryNode]:
    return await db.run(directory.category_tree)

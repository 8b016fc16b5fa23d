"""Working-day overrides (admins write, the centre reads)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from agent_desk.api.deps import DbDep, require_roles
from agent_desk.api.errors import AUTH_ERRORS
from agent_desk.api.params import DayPath
from tickets import calendar_admin
from tickets.actors import Actor
from tickets.vocab import Role

router = APIRouter(prefix="/api/calendar", tags=["calendar"], responses=AUTH_ERRORS)
Admin = Annotated[Actor, Depends(require_roles(Role.ADMIN))]
Reader = Annotated[Actor, Depends(require_roles(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR))]


@router.get("/overrides", response_model=list[calendar_admin.OverrideInput], summary="工作日调整表")
async def overrides(
    _actor: Reader, db: DbDep, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> list[calendar_admin.OverrideInput]:
    return await db.run(lambda s: calendar_admin.overrides(s, year))


@router.put("/overrides", response_model=list[calendar_admin.OverrideInput], summary="新增或修改调整日")
async def set_overrides(
    body: list[calendar_admin.OverrideInput], _actor: Admin, db: DbDep
) -> list[calendar_admin.OverrideInput]:
    return await db.run(lambda s: calendar_admin.set_days(s, body))


@router.delete("/overrides/{day}", status_code=204, summary="删除调整日")
async def delete_override(day: DayPath, _actor: Admin, db: DbDep) -> None:
    await db.run(lambda s: calendar_admin.delete_day(s, day))

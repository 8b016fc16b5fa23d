"""Overdue and soon-due tickets by unit, for supervisors and the wallboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from agent_desk.api.deps import CentreReaderDep, CtxDep, DbDep
from agent_desk.api.errors import AUTH_ERRORS
from tickets import supervision

router = APIRouter(prefix="/api/supervision", tags=["supervision"], responses=AUTH_ERRORS)


@router.get("/board", response_model=list[supervision.UnitBoard], summary="各单位超期及临期工单")
async def board(
    _actor: CentreReaderDep, db: DbDep, ctx: CtxDep, soon_hours: Annotated[int, Query(ge=1, le=240)] = 24
) -> list[supervision.UnitBoard]:
    return await db.run(lambda s: supervision.due_board(s, ctx.now, timedelta(hours=soon_hours)))

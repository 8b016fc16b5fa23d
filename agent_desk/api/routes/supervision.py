"""Overdue and soon-due tickets by unit, for supervisors and the wallboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from agent_desk.api.deps import CentreReaderDep, CtxDep, DbDep
from agent_desk.api.errors import AUTH_ERRORS
from tickets import policy, supervision
from tickets.policy import UnitBoard

router = APIRouter(prefix="/api/supervision", tags=["supervision"], responses=AUTH_ERRORS)


@router.get("/board", response_model=list[UnitBoard], summary="各单位超期及临期工单(标题按内容脱敏)")
async def board(
    actor: CentreReaderDep, db: DbDep, ctx: CtxDep, soon_hours: Annotated[int, Query(ge=1, le=240)] = 24
) -> list[UnitBoard]:
    soon = timedelta(hours=soon_hours)
    return await db.run(lambda s: supervision.due_board(s, policy.viewer_for(s, actor), ctx.now, soon))

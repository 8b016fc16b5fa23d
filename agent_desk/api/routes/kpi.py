"""KPIs per unit and for the centre (JSON and CSV)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from agent_desk.api.deps import DbDep, KpiReaderDep
from agent_desk.api.errors import AUTH_ERRORS
from agent_desk.api.params import CodeQuery
from core.bounds import AwareTime
from tickets import kpi
from tickets.actors import Actor
from tickets.vocab import Role

router = APIRouter(prefix="/api/kpi", tags=["kpi"], responses=AUTH_ERRORS)
Start = Annotated[AwareTime, Query(description="统计区间开始(含),带时区")]
End = Annotated[AwareTime, Query(description="统计区间结束(不含),带时区")]


def _scope(actor: Actor, unit_code: str | None) -> str | None:
    # A unit sees its own figures only.
    if actor.role == Role.UNIT_HANDLER:
        if unit_code not in (None, actor.unit_code):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "只能查看本单位的考核指标")
        return actor.unit_code
    return unit_code


def _period(start: AwareTime, end: AwareTime) -> None:
    # Both carry their time zone and a sane year (core.bounds.AwareTime).
    if end <= start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "统计区间结束时间须晚于开始时间")


@router.get("/units", response_model=list[kpi.UnitKpi], summary="单位考核指标")
async def unit_kpis(
    start: Start, end: End, actor: KpiReaderDep, db: DbDep, unit_code: CodeQuery = None
) -> list[kpi.UnitKpi]:
    _period(start, end)
    scope = _scope(actor, unit_code)
    return await db.run(lambda s: kpi.unit_kpis(s, start, end, scope))


@router.get(
    "/units.csv",
    response_class=Response,
    summary="单位考核指标 CSV 导出",
    responses={200: {"content": {"text/csv": {}}}},
)
async def unit_kpis_csv(
    start: Start, end: End, actor: KpiReaderDep, db: DbDep, unit_code: CodeQuery = None
) -> Response:
    _period(start, end)
    scope = _scope(actor, unit_code)
    rows = await db.run(lambda s: kpi.unit_kpis(s, start, end, scope))
    return Response(
        kpi.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="unit-kpi.csv"'},
    )


@router.get("/centre", response_model=kpi.CentreKpi, summary="中心指标(直接办结率)")
async def centre(start: Start, end: End, actor: KpiReaderDep, db: DbDep) -> kpi.CentreKpi:
    if actor.role == Role.UNIT_HANDLER:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "承办单位无权查看中心指标")
    _period(start, end)
    return await db.run(lambda s: kpi.centre_kpi(s, start, end))

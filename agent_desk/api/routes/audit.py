"""The audit log of personal-data reads (auditors and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agent_desk.api.deps import AuditorDep, DbDep
from agent_desk.api.errors import AUTH_ERRORS
from agent_desk.api.params import NameQuery, OffsetQuery, PhoneQuery
from tickets import disclosure

router = APIRouter(prefix="/api/audit", tags=["audit"], responses=AUTH_ERRORS)


@router.get("", response_model=list[disclosure.AuditView], summary="个人信息访问审计日志")
async def entries(
    _actor: AuditorDep,
    db: DbDep,
    actor: NameQuery = None,
    subject: PhoneQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: OffsetQuery = 0,
) -> list[disclosure.AuditView]:
    return await db.run(lambda s: disclosure.audit_entries(s, actor, subject, limit, offset))

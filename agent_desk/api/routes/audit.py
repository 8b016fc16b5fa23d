"""The audit log of personal-data reads (auditors and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agent_desk.api.deps import AuditorDep, DbDep
from agent_desk.api.errors import AUTH_ERRORS
from agent_desk.api.params import NameQuery, OffsetQuery, PhoneQuery
from tickets import disclosure
from tickets.policy import AuditView

router = APIRouter(prefix="/api/audit", tags=["audit"], responses=AUTH_ERRORS)


@router.get(
    "", response_model=list[AuditView], summary="个人信息访问审计日志(含查看未脱敏信息的理由;号码脱敏显示)"
)
async def entries(
    _actor: AuditorDep,
    db: DbDep,
    actor: NameQuery = None,
    subject: PhoneQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: OffsetQuery = 0,
) -> list[AuditView]:
    return await db.run(lambda s: disclosure.audit_entries(s, actor, subject, limit, offset))

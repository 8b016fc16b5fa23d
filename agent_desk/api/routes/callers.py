"""The caller's profile for the seat's desk (DOMAIN.md §2: history shown when the call connects)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from agent_desk.api.deps import CtxDep, DbDep, SeatDep
from agent_desk.api.errors import AUTH_ERRORS
from agent_desk.api.params import PhonePath
from core.contracts import CallerProfile
from tickets.callers import caller_profile
from tickets.privacy import audit

router = APIRouter(prefix="/api/callers", tags=["callers"], responses=AUTH_ERRORS)


@router.get(
    "/{phone}/profile", response_model=CallerProfile, summary="来电人画像(在办工单、来电次数、关注名单)"
)
async def profile(phone: PhonePath, actor: SeatDep, db: DbDep, ctx: CtxDep) -> CallerProfile:
    def work(session: Session) -> CallerProfile:
        audit(session, actor, "caller_profile", phone, "phone,tickets", ctx.now)
        return caller_profile(session, phone, ctx.now)

    return await db.run(work)

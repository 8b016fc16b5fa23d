"""Knowledge base for staff: search, propose (units), review (centre)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from agent_desk.api.deps import ActorDep, CtxDep, DbDep, SupervisorDep
from agent_desk.api.errors import TICKET_ERRORS
from agent_desk.api.params import IdPath
from tickets import kb

router = APIRouter(prefix="/api/kb", tags=["kb"], responses=TICKET_ERRORS)


class ReviewInput(BaseModel):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class ArticleView(BaseModel):
    id: int
    question: str
    answer: str
    category_code: str | None
    unit_code: str | None
    status: str
    proposed_by: str


@router.get("/search", response_model=list[kb.KbHit], summary="知识库模糊检索(支持两字词与同音字)")
async def search(
    q: Annotated[str, Query(min_length=1, max_length=200)],
    _actor: ActorDep,
    db: DbDep,
    ctx: CtxDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[kb.KbHit]:
    today = ctx.now.astimezone(ctx.tz).date()
    return await db.run(lambda s: kb.search(s, q, today, limit))


@router.post("/articles", response_model=ArticleView, status_code=201, summary="提交知识条目(待中心审核)")
async def propose(body: kb.ArticleProposal, actor: ActorDep, db: DbDep, ctx: CtxDep) -> ArticleView:
    limit = ctx.settings.kb_answer_max_chars
    article = await db.run(lambda s: kb.propose(s, actor, body, ctx.now, limit))
    return ArticleView.model_validate(article, from_attributes=True)


@router.get("/articles/pending", response_model=list[ArticleView], summary="待审核的知识条目")
async def pending(_actor: SupervisorDep, db: DbDep) -> list[ArticleView]:
    rows = await db.run(kb.pending)
    return [ArticleView.model_validate(a, from_attributes=True) for a in rows]


@router.post("/articles/{article_id}/review", response_model=ArticleView, summary="审核知识条目")
async def review(
    article_id: IdPath, body: ReviewInput, actor: ActorDep, db: DbDep, ctx: CtxDep
) -> ArticleView:
    article = await db.run(lambda s: kb.review(s, actor, article_id, body.approve, body.note, ctx.now))
    return ArticleView.model_validate(article, from_attributes=True)

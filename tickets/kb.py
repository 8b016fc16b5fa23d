"""Knowledge base (DOMAIN.md §8): Chinese fuzzy search, unit proposals, centre approval.

Portable on SQLite and PostgreSQL: each article keeps a normalised character field and a toneless
pinyin field. A query is cut into jieba words and character bigrams (so 2-character queries
like 路灯 work) and into pinyin syllable pairs, which catch speech-recognition homophones
(路等 → lu deng → 路灯; 煤汽泄露 → mei qi xie lou → 煤气泄漏). SQL `LIKE` narrows the
candidates; ranking happens here.

Indexing cost stays linear in the article's length: the character field is the whole normalised
text (cheap), while pinyin (the expensive part, ~20 µs a character) is spelled for the question,
the keywords and the answer's distinct clauses up to `PINYIN_BUDGET` characters. A long answer's
later clauses are still found by their characters; only their homophones are not.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import jieba
from pydantic import BaseModel, Field
from pypinyin import lazy_pinyin
from sqlalchemy import or_
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.errors import Forbidden, InvalidInput, NotFound, TransitionRefused
from tickets.models import Category, KbArticle
from tickets.vocab import KbStatus, Role

jieba.setLogLevel(logging.WARNING)
_CJK = re.compile(r"[\u3400-\u9fff]")
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)
MAX_CANDIDATES = 300
# Characters of an answer spelled in pinyin (question and keywords always are, 300 each at most).
PINYIN_BUDGET = 4_000
# Hard ceiling of an answer, whatever `Settings.kb_answer_max_chars` says (which is ≤ this).
ANSWER_CEILING = 100_000


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, punctuation and spaces removed."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def syllables(text: str) -> list[str]:
    return [s for s in lazy_pinyin(normalise(text), errors="ignore") if s]


def index_fields(question: str, answer: str, keywords: str) -> tuple[str, str]:
    """The two search columns of an article."""
    text = "|".join(normalise(part) for part in (question, keywords, answer))
    spelled = " " + " ".join(syllables(question + keywords + _spelled_part(answer))) + " "
    return text, spelled


def _spelled_part(answer: str) -> str:
    """The answer's distinct clauses, in order, up to `PINYIN_BUDGET` characters."""
    seen: set[str] = set()
    out: list[str] = []
    budget = PINYIN_BUDGET
    # Split where `normalise` drops characters: a clause repeated in a long answer is spelled once.
    for clause in _DROP.split(unicodedata.normalize("NFKC", answer).lower()):
        if not clause or clause in seen:
            continue
        seen.add(clause)
        out.append(clause[:budget])
        budget -= len(out[-1])
        if budget <= 0:
            break
    return "".join(out)


def _terms(query: str) -> list[str]:
    q = normalise(query)
    terms = {w for w in (normalise(t) for t in jieba.cut_for_search(q)) if len(w) >= 2}
    terms.update(q[i : i + 2] for i in range(len(q) - 1))
    if len(q) == 1:
        terms.add(q)
    return sorted(terms, key=len, reverse=True)


def _pinyin_terms(query: str) -> list[str]:
    syl = syllables(query)
    if len(syl) == 1:
        return [f" {syl[0]} "]
    return sorted({f" {a} {b} " for a, b in itertools.pairwise(syl)})


class KbHit(BaseModel):
    id: int
    question: str
    answer: str
    category_code: str | None
    unit_code: str | None
    score: float


class PublicKbHit(BaseModel):
    question: str
    answer: str
    category: str | None


class ArticleProposal(BaseModel):
    question: str = Field(min_length=2, max_length=300)
    # The deployment's own limit (Settings.kb_answer_max_chars) is checked by `propose`.
    answer: str = Field(min_length=2, max_length=ANSWER_CEILING)
    category_code: str | None = None
    keywords: str = Field(default="", max_length=300)
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class _Scored:
    article: KbArticle
    score: float


def search(session: Session, query: str, today: date, limit: int = 10) -> list[KbHit]:
    """Approved articles valid on `today`, best first."""
    if not normalise(query):
        raise InvalidInput("请输入检索内容")
    terms = _terms(query)
    pterms = _pinyin_terms(query)
    conditions = [col(KbArticle.search_text).contains(t, autoescape=True) for t in terms]
    conditions += [col(KbArticle.search_pinyin).contains(p, autoescape=True) for p in pterms]
    stmt = (
        select(KbArticle)
        .where(KbArticle.status == KbStatus.APPROVED)
        .where(or_(col(KbArticle.valid_from).is_(None), col(KbArticle.valid_from) <= today))
        .where(or_(col(KbArticle.valid_to).is_(None), col(KbArticle.valid_to) >= today))
        .where(or_(*conditions))
        .limit(MAX_CANDIDATES)
    )
    scored = [_Scored(a, _score(a, query, terms, pterms)) for a in session.exec(stmt).all()]
    scored.sort(key=lambda s: (-s.score, s.article.id or 0))
    return [
        KbHit(
            id=s.article.id or 0,
            question=s.article.question,
            answer=s.article.answer,
            category_code=s.article.category_code,
            unit_code=s.article.unit_code,
            score=round(s.score, 2),
        )
        for s in scored[:limit]
        if s.score > 0
    ]


def _score(article: KbArticle, query: str, terms: list[str], pterms: list[str]) -> float:
    question, keywords, answer = ([*article.search_text.split("|"), "", "", ""])[:3]
    score = 0.0
    q = normalise(query)
    if q and q in question + keywords:
        score += 5 * len(q)
    for t in terms:
        weight = len(t)
        if t in question:
            score += 3 * weight
        elif t in keywords:
            score += 2 * weight
        elif t in answer:
            score += weight
    # Homophones: a matching syllable pair counts less than the same characters.
    score += sum(1.5 for p in pterms if p in article.search_pinyin)
    return score


def public_search(session: Session, query: str, today: date, limit: int = 10) -> list[PublicKbHit]:
    """Self-service search open to the public (DOMAIN.md §8): no internal fields."""
    names = {c.code: c.name for c in session.exec(select(Category)).all()}
    return [
        PublicKbHit(question=h.question, answer=h.answer, category=names.get(h.category_code or ""))
        for h in search(session, query, today, limit)
    ]


def propose(
    session: Session,
    actor: Actor,
    proposal: ArticleProposal,
    now: datetime,
    max_answer_chars: int = ANSWER_CEILING,
) -> KbArticle:
    """Units propose entries for their own area; the centre's supervisors may too."""
    if actor.role not in (Role.UNIT_HANDLER, Role.SUPERVISOR, Role.SEAT):
        raise Forbidden("只有承办单位、话务员和值班长可以提交知识条目")
    if len(proposal.answer) > max_answer_chars:
        raise InvalidInput(
            f"知识条目答案过长:{len(proposal.answer)} 个字符,最多 {max_answer_chars} 个;请拆分为多个条目"
        )
    if proposal.valid_from and proposal.valid_to and proposal.valid_to < proposal.valid_from:
        raise InvalidInput("有效期结束日期早于开始日期")
    if proposal.category_code and session.get(Category, proposal.category_code) is None:
        raise InvalidInput(f"分类不存在:{proposal.category_code}")
    text, spelled = index_fields(proposal.question, proposal.answer, proposal.keywords)
    article = KbArticle(
        question=proposal.question,
        answer=proposal.answer,
        category_code=proposal.category_code,
        unit_code=actor.unit_code,
        keywords=proposal.keywords,
        valid_from=proposal.valid_from,
        valid_to=proposal.valid_to,
        status=KbStatus.PENDING,
        proposed_by=actor.username,
        proposed_at=now,
        search_text=text,
        search_pinyin=spelled,
    )
    session.add(article)
    session.flush()
    return article


def review(
    session: Session, actor: Actor, article_id: int, approve: bool, note: str | None, now: datetime
) -> KbArticle:
    """The centre approves or rejects a proposal (DOMAIN.md §8)."""
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("只有热线中心值班长或管理员可以审核知识条目")
    article = session.get(KbArticle, article_id)
    if article is None:
        raise NotFound(f"知识条目不存在:{article_id}")
    if article.status != KbStatus.PENDING:
        raise TransitionRefused(f"该知识条目已审核({article.status}),不能重复审核")
    article.status = KbStatus.APPROVED if approve else KbStatus.REJECTED
    article.reviewed_by = actor.username
    article.reviewed_at = now
    article.review_note = note
    session.add(article)
    session.flush()
    return article


def pending(session: Session) -> list[KbArticle]:
    return list(
        session.exec(
            select(KbArticle).where(KbArticle.status == KbStatus.PENDING).order_by(col(KbArticle.id))
        ).all()
    )

"""Knowledge base: Chinese fuzzy search, proposals, approval and validity (DOMAIN.md §8)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.integration.tickets.helpers import ADMIN, SEAT, SUPERVISOR, T0, URBAN, Journey
from tickets import kb
from tickets.errors import Forbidden, InvalidInput, TransitionRefused

TODAY = date(2026, 11, 18)


def top(j: Journey, query: str) -> str | None:
    with j.db.session() as s:
        hits = kb.search(s, query, TODAY)
    return hits[0].question if hits else None


@pytest.mark.parametrize(
    ("query", "question"),
    [
        ("路灯", "路灯不亮找谁报修?"),  # two characters
        ("路等不亮", "路灯不亮找谁报修?"),  # ASR homophone
        ("煤气泄露", "闻到煤气泄漏怎么办?"),  # 露/漏 written either way
        ("没气泄漏了", "闻到煤气泄漏怎么办?"),  # 没气 ~ 煤气 by sound
        ("拖欠工资怎么办", "单位拖欠工资怎么维权?"),
        ("社保卡丢了", "社保卡丢失怎么补办?"),
        ("工地晚上噪音太大", "夜间施工噪音扰民怎么办?"),
    ],
)
def test_search_finds_the_right_article(journey: Journey, query: str, question: str) -> None:
    assert top(journey, query) == question


def test_nothing_matches_nonsense_and_empty_queries_are_refused(journey: Journey) -> None:
    assert top(journey, "火星移民签证") is None
    with journey.db.session() as s, pytest.raises(InvalidInput):
        kb.search(s, " ,。 ", TODAY)


def test_units_propose_the_centre_approves(journey: Journey) -> None:
    proposal = kb.ArticleProposal(
        question="井盖丢失怎么上报?",
        answer="市政井盖由市城市管理局负责,可拨打12345上报。",
        category_code="urban.streetlight",
        keywords="井盖 丢失",
    )
    with journey.db.session() as s:
        article = kb.propose(s, URBAN, proposal, T0)
        article_id = article.id or 0
        assert (article.status, article.unit_code) == ("pending", "dept-urban")
    assert top(journey, "井盖") is None  # not public before approval
    with journey.db.session() as s, pytest.raises(Forbidden):
        kb.review(s, URBAN, article_id, True, None, T0)
    with journey.db.session() as s, pytest.raises(Forbidden):
        kb.review(s, SEAT, article_id, True, None, T0)
    with journey.db.session() as s:
        assert [a.id for a in kb.pending(s)] == [article_id]
        kb.review(s, SUPERVISOR, article_id, True, "同意", T0)
    assert top(journey, "井盖") == "井盖丢失怎么上报?"
    with journey.db.session() as s, pytest.raises(TransitionRefused):
        kb.review(s, ADMIN, article_id, False, None, T0)


def test_validity_dates_limit_search(journey: Journey) -> None:
    proposal = kb.ArticleProposal(
        question="春节期间垃圾清运时间?",
        answer="除夕至初三每日清运一次。",
        valid_from=TODAY - timedelta(days=10),
        valid_to=TODAY - timedelta(days=1),
    )
    with journey.db.session() as s:
        article = kb.propose(s, SUPERVISOR, proposal, T0)
        kb.review(s, SUPERVISOR, article.id or 0, True, None, T0)
    assert top(journey, "垃圾清运") is None
    with journey.db.session() as s:
        assert kb.search(s, "垃圾清运", TODAY - timedelta(days=5))[0].question == "春节期间垃圾清运时间?"
    with journey.db.session() as s, pytest.raises(InvalidInput):
        bad = kb.ArticleProposal(
            question="问题", answer="答案", valid_from=TODAY, valid_to=TODAY - timedelta(days=1)
        )
        kb.propose(s, URBAN, bad, T0)


def test_public_search_hides_internal_fields(journey: Journey) -> None:
    with journey.db.session() as s:
        hits = kb.public_search(s, "路灯", TODAY)
    assert hits[0].category == "路灯照明"
    assert set(hits[0].model_dump()) == {"question", "answer", "category"}


def test_an_answer_over_the_limit_is_refused(journey: Journey) -> None:
    limit = journey.settings.kb_answer_max_chars
    with journey.db.session() as s:
        kb.propose(s, URBAN, kb.ArticleProposal(question="最长的答案", answer="答" * limit), T0, limit)
    with journey.db.session() as s, pytest.raises(InvalidInput, match=f"最多 {limit} 个"):
        too_long = kb.ArticleProposal(question="过长的答案", answer="答" * (limit + 1))
        kb.propose(s, URBAN, too_long, T0, limit)
    with journey.db.session() as s:
        assert [a.question for a in kb.pending(s)] == ["最长的答案"]


def test_a_long_answer_is_found_by_its_last_clause(journey: Journey) -> None:
    # Past the pinyin budget the words are still indexed by their characters.
    filler = "".join(f"第{i}条办理须知请携带身份证原件。" for i in range(1500))
    proposal = kb.ArticleProposal(question="办事指南汇编", answer=filler + "古树名木移植须经园林部门审批。")
    assert len(proposal.answer) > kb.PINYIN_BUDGET
    with journey.db.session() as s:
        article = kb.propose(s, SUPERVISOR, proposal, T0)
        kb.review(s, SUPERVISOR, article.id or 0, True, None, T0)
    assert top(journey, "古树移植审批") == "办事指南汇编"

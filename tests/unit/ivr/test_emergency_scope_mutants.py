"""The local veto of ivr.emergency_scope (DOMAIN.md §3): a past event is not re-routed, a current
one said after it is."""

from __future__ import annotations

from typing import Literal

import pytest

from ivr.emergency import EmergencyDetector
from ivr.emergency_lexicon import Service
from ivr.emergency_match import Hit, KeywordMatcher, normalise
from ivr.emergency_scope import veto

NUMBERS = {"fire": "119", "police": "110", "medical": "120", "traffic": "122"}


@pytest.fixture(scope="module")
def detector() -> EmergencyDetector:
    return EmergencyDetector(NUMBERS)


def _fire_veto(text: str) -> str | None:
    norm = normalise(text)
    (hit,) = [hit for hit in KeywordMatcher().hits(norm) if hit.keyword == "着火"]
    return veto(norm, hit)


@pytest.mark.parametrize(
    "text",
    [
        # The past marker nearest the hit opens the scope, not an earlier one a NOW marker closed.
        "那天刚搬家那天着火了",
        # A NOW marker before the past marker does not close the scope it opens.
        "刚才说的是上次着火了",
    ],
)
def test_a_past_fire_is_not_re_routed(detector: EmergencyDetector, text: str) -> None:
    assert _fire_veto(text) == "past"
    assert detector.detect(text) is None


def test_a_fire_said_after_a_past_one_and_now_is_re_routed(detector: EmergencyDetector) -> None:
    assert _fire_veto("上次刚修好上次又着火了") is None
    d = detector.detect("上次刚修好上次又着火了")
    assert d is not None and (d.kind, d.service, d.target) == ("emergency", "fire", "119")


@pytest.mark.parametrize("text", ["没消防车着火", "没别人着火"])
def test_a_negation_before_a_word_that_only_looks_negative_still_negates(
    detector: EmergencyDetector, text: str
) -> None:
    # 消防 and 别人 are blanked so they negate nothing; the blank keeps their length, so the
    # 没 before them stays within reach of the hit.
    assert _fire_veto(text) == "negated"
    assert detector.detect(text) is None


def test_a_fire_engine_on_fire_is_re_routed(detector: EmergencyDetector) -> None:
    assert _fire_veto("消防车着火了") is None
    d = detector.detect("消防车着火了")
    assert d is not None and (d.kind, d.service, d.target) == ("emergency", "fire", "119")


def _veto_of(text: str, keyword: str) -> str | None:
    norm = normalise(text)
    (hit,) = [hit for hit in KeywordMatcher().hits(norm) if hit.keyword == keyword]
    return veto(norm, hit)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        # 的 four characters after the hit (after 了) still carries a topic word: 处罚.
        ("着火了那件事的处罚是什么", "着火"),
        # The first 的 carries the topic word (赔偿), not the last one within reach.
        ("出了车祸我的赔偿的钱谁出", "车祸"),
    ],
)
def test_a_topic_after_a_near_de_is_not_re_routed(
    detector: EmergencyDetector, text: str, keyword: str
) -> None:
    assert _veto_of(text, keyword) == "topic"
    assert detector.detect(text) is None


def test_a_topic_word_after_a_far_de_leaves_the_fire_current(detector: EmergencyDetector) -> None:
    # 的 five characters after 了: 保险(柜) is what burns, not the topic of a question.
    assert _veto_of("厨房着火了烧到邻居家的保险柜", "着火") is None
    d = detector.detect("厨房着火了烧到邻居家的保险柜")
    assert d is not None and (d.kind, d.service, d.target) == ("emergency", "fire", "119")


def _at(
    text: str,
    heard: str,
    source: Literal["keyword", "generic", "frame"] = "frame",
    service: Service = "traffic",
) -> Hit:
    """A hit on `heard` in normalised `text` (frames and generic words built by hand)."""
    start = text.index(heard)
    return Hit(service, start, start + len(heard), f"<{heard}>", heard, False, source, "test")


def test_a_past_marker_after_the_hit_does_not_reach_back() -> None:
    # 昨天 comes after 着火: the fire is now, the check is of something earlier.
    text = normalise("现在着火了昨天刚检查过")
    assert veto(text, _hit_on(text, "着火")) is None


def test_a_marker_inside_a_frame_counts_up_to_its_last_character() -> None:
    # A frame can begin with its agent: 他去年打 is last year's, up to the 打 it ends on.
    text = normalise("他去年打")
    assert veto(text, _at(text, "他去年打", service="police")) == "past"
    # ... and a NOW word right after the frame does not bring it back to now.
    text = normalise("去年他打刚才")
    assert veto(text, _at(text, "他打", service="police")) == "past"
    # A keyword's own characters never close the scope (快来 inside 快来人).
    text = normalise("上次快来人")
    assert veto(text, _at(text, "快来人", source="generic", service="police")) == "past"


def test_a_past_infix_inside_a_frame_is_no_past_marker() -> None:
    # 晕过去 holds 过 without being 晕过 (fainted once): it is happening.
    text = normalise("我爸晕过去了")
    assert veto(text, _at(text, "晕过去", service="medical")) is None


def test_an_accident_word_hides_only_itself_from_the_hypothetical_scope() -> None:
    text = normalise("我不小心烫到了")
    assert veto(text, _at(text, "烫到了", service="medical")) is None
    # The positions of the rest are kept: a real 如果 after it still opens a hypothesis.
    text = normalise("我不小心说了如果着火")
    assert veto(text, _hit_on(text, "着火")) == "hypothetical"


def test_hearsay_is_named() -> None:
    text = normalise("新闻说那边着火了")
    assert veto(text, _hit_on(text, "着火")) == "hearsay"


def test_a_thing_or_an_animal_run_into_vetoes_the_traffic_hit_it_overlaps_only() -> None:
    text = normalise("站牌被车撞坏了")
    assert veto(text, _at(text, "车撞")) == "object"
    assert veto(text, _at(text, "车撞", service="fire")) is None
    # Elsewhere in the utterance, or just touching the hit, it vetoes nothing.
    text = normalise("站牌被车撞坏了刚才路口两车相撞")
    assert veto(text, _at(text, "相撞")) is None
    text = normalise("两车相撞狗被车撞了")
    assert veto(text, _at(text, "相撞")) is None
    text = normalise("狗被车撞两车相撞")
    assert veto(text, _at(text, "两车相撞")) is None


def test_a_topic_word_right_after_le_is_the_topic() -> None:
    text = normalise("着火了以后怎么办")
    assert veto(text, _hit_on(text, "着火")) == "topic"


def _hit_on(text: str, keyword: str) -> Hit:
    (hit,) = [hit for hit in KeywordMatcher().hits(text) if hit.keyword == keyword and not hit.via_pinyin]
    return hit

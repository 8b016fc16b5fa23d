"""The local veto of ivr.emergency_scope (DOMAIN.md §3): a past event is not re-routed, a current
one said after it is."""

from __future__ import annotations

import pytest

from ivr.emergency import EmergencyDetector
from ivr.emergency_match import KeywordMatcher, normalise
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

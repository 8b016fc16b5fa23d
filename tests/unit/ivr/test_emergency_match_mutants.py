"""Keyword evidence of ivr.emergency_match, through the detector (DOMAIN.md §3; 003 §10 for outages).

A homophone of an emergency keyword re-routes the call; a phrase that only sounds like one through
a dictionary's rare reading is no emergency: an outage stays a ticket of the priority queue.
"""

from __future__ import annotations

import pytest

from ivr.emergency import EmergencyDetector
from ivr.emergency_match import KeywordMatcher, normalise

NUMBERS = {"fire": "119", "police": "110", "medical": "120", "traffic": "122"}


@pytest.fixture(scope="module")
def detector() -> EmergencyDetector:
    return EmergencyDetector(NUMBERS)


@pytest.mark.parametrize("text", ["小区燃气没了", "我家燃气没了", "小区煤气没了"])
def test_the_gas_being_out_is_an_outage_not_a_gas_smell(detector: EmergencyDetector, text: str) -> None:
    # 味 (wei) has a rare dictionary reading mei: 燃气没 must not be heard as 燃气味.
    assert not [hit for hit in KeywordMatcher().hits(normalise(text)) if hit.service == "fire"]
    d = detector.detect(text)
    assert d is not None and d.kind == "utility" and d.target is None


@pytest.mark.parametrize(("text", "heard"), [("我家着伙了", "着伙"), ("楼下找火了", "找火")])
def test_a_homophone_of_a_keyword_is_still_an_emergency(
    detector: EmergencyDetector, text: str, heard: str
) -> None:
    hits = [hit for hit in KeywordMatcher().hits(normalise(text)) if hit.keyword == "着火"]
    assert [(hit.heard, hit.via_pinyin, hit.service) for hit in hits] == [(heard, True, "fire")]
    d = detector.detect(text)
    assert d is not None and (d.kind, d.service, d.target) == ("emergency", "fire", "119")


def test_a_real_gas_smell_is_a_fire_emergency(detector: EmergencyDetector) -> None:
    d = detector.detect("家里有燃气味")
    assert d is not None and (d.kind, d.service, d.target) == ("emergency", "fire", "119")

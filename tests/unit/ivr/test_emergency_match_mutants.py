"""Keyword evidence of ivr.emergency_match, through the detector (DOMAIN.md §3; 003 §10 for outages).

A homophone of an emergency keyword re-routes the call; a phrase that only sounds like one through
a dictionary's rare reading is no emergency: an outage stays a ticket of the priority queue.
"""

from __future__ import annotations

import pytest

from ivr.emergency import EmergencyDetector
from ivr.emergency_match import KeywordMatcher, normalise, spoken

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


# --- The matcher on its own: exact occurrences, the fuzzy readings and the homophone window. ---


def _hits(text: str) -> list[tuple[str, str, int, int, bool, str]]:
    return [
        (hit.keyword, hit.heard, hit.start, hit.end, hit.via_pinyin, hit.source)
        for hit in KeywordMatcher().hits(normalise(text))
    ]


def test_normalise_keeps_han_digits_and_letters_in_lower_case() -> None:
    # Keywords and `spoken` compare lower-case letters: an ASR engine's capitals must not matter.
    assert normalise("SOS, 3号楼 着火!") == "sos3号楼着火"


def test_every_occurrence_of_a_keyword_is_a_hit() -> None:
    assert [(start, end) for _k, _h, start, end, _v, _s in _hits("着火了着火了着火了")] == [
        (0, 2),
        (3, 5),
        (6, 8),
    ]


@pytest.mark.parametrize(
    ("text", "syllables"),
    [
        ("年龄", ["lian", "lin"]),  # n/l, then -ng/-n (nian, ning)
        ("男", ["lan"]),
        ("香", ["xian"]),  # -iang/-ian, the longest final first
        ("窗", ["cuan"]),  # ch/c and -uang/-uan
        ("着火", ["zao", "huo"]),  # read in context (zhao), not alone (zhe)
        ("一", ["yi"]),  # the first character of the Han block
        ("\u9fff火", ["xin", "huo"]),  # its last one (鿿, xing) does not swallow the run
        ("n1", ["n", "1"]),  # a letter or digit is kept as itself, never read as pinyin
        ("ab", ["a", "b"]),
    ],
)
def test_spoken_gives_one_fuzzy_syllable_per_character(text: str, syllables: list[str]) -> None:
    assert spoken(text) == syllables


def test_a_fuzzy_homophone_is_found_where_it_was_heard() -> None:
    # 伙 is huo as 火; the hit spans the two heard characters of 我家着伙了.
    assert _hits("我家着伙了") == [("着火", "着伙", 2, 4, True, "keyword")]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("救名啊", ("救命", "救名", 0, 2, True, "generic")),
        ("快来仁", ("快来人", "快来仁", 0, 3, True, "generic")),
    ],
)
def test_a_homophone_of_a_generic_cry_stays_generic(
    text: str, hit: tuple[str, str, int, int, bool, str]
) -> None:
    # A generic cry for help is weaker evidence than a keyword (ivr.emergency ranks by source).
    assert _hits(text) == [hit]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        # 打人 (da ren) is tried first at 打 and fails on the reading of 价: 打架 is still tried.
        ("打价", ("打架", "打价", 0, 2, True, "keyword")),
        # 打人 shares no character with 大出: 大出血 (same first reading) is still tried.
        ("大出雪", ("大出血", "大出雪", 0, 3, True, "keyword")),
        # 煤气泄漏 (mei...) does not fit in the three characters left: 没呼吸 is still tried.
        ("他没呼息", ("没呼吸", "没呼息", 1, 4, True, "keyword")),
        # Four characters need two identical ones: 煤气 are, 写楼 only sound like 泄漏.
        ("煤气写楼", ("煤气泄漏", "煤气写楼", 0, 4, True, "keyword")),
    ],
)
def test_a_candidate_that_fails_does_not_hide_the_next_one(
    text: str, hit: tuple[str, str, int, int, bool, str]
) -> None:
    assert _hits(text) == [hit]


@pytest.mark.parametrize(
    "text",
    [
        "烧齐莱",  # sounds like 烧起来, but three characters need two identical ones, not one
        "心耿",  # sounds like 心梗, an EXACT_ONLY word: no homophone of it counts
        "脑耿",  # 脑梗, likewise
    ],
)
def test_a_weak_sound_alike_is_no_hit(text: str) -> None:
    assert _hits(text) == []

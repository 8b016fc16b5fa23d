"""The features of ivr.emergency_model (the trained part of emergency detection, DOMAIN.md §3):
which evidence and cues the model is shown, and the numbers it computes from them."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from ivr.emergency import EmergencyDetector
from ivr.emergency_match import Hit, normalise
from ivr.emergency_model import LABELS, LinearModel, tokens
from ivr.emergency_training import _NO_MODEL

NUMBERS = {"fire": "119", "police": "110", "medical": "120", "traffic": "122"}


@pytest.fixture(scope="module")
def detector() -> EmergencyDetector:
    return EmergencyDetector(NUMBERS, model=_NO_MODEL)


def _rules(detector: EmergencyDetector, text: str) -> Counter[str]:
    return Counter(f for f in detector.features(text) if not f.startswith("c:"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            # A live keyword and frame said now, urgently, calling the police by name.
            "快来人刚刚有人在打我快叫警察",
            "calls:police cue:calls-service cue:now cue:urgent frame:police frame:violence generic:police "
            "keyword:police live now&police now:police now:police urgent&police",
        ),
        (
            # A past fire asked about for its insurance: vetoed, with the cues that say why.
            "我想问一下上个月着火了保险怎么赔",
            "cue:ask cue:claim cue:past cue:question no-live veto:past veto:past vetoed:fire vetoed:fire",
        ),
        (
            # An animal and a sign run into, complained about.
            "有只狗被车撞了站牌被车撞坏了想投诉",
            "cue:animal cue:damaged cue:grievance cue:report no-live " + "veto:object vetoed:traffic " * 5,
        ),
        (
            "如果煤气泄漏了应该怎么处理有什么方法",
            "cue:howto cue:hypothetical cue:question no-live veto:hypothetical veto:hypothetical "
            "vetoed:fire vetoed:fire",
        ),
        (
            # Time elapsed since a crash, each cue paired with the service found.
            "被车撞了已经过去半年了没人管",
            "cue:elapsed cue:grievance cue:past elapsed&traffic frame:collision frame:traffic "
            "grievance&traffic keyword:traffic keyword:traffic live past&traffic",
        ),
        (
            # An animal before the hit; two services asked for by number and by vehicle.
            "喂119吗有只猫困在树上了要不要叫救护车",
            "animal&fire animal&medical animal:fire calls:fire calls:medical cue:animal cue:calls-service "
            "cue:question frame:cardiac frame:fire frame:medical frame:trapped keyword:medical live "
            "question&fire question&medical",
        ),
        (
            # Progressive and resolved: 还在 after a hit makes it now; 已经灭 says it is over.
            "他还在打我",
            "cue:now frame:police frame:violence keyword:police live now&police now:police now:police",
        ),
        (
            "厨房着火了已经灭了",
            "cue:resolved frame:fire frame:flames keyword:fire live resolved&fire",
        ),
    ],
)
def test_the_model_sees_the_evidence_and_the_cues(
    detector: EmergencyDetector, text: str, expected: str
) -> None:
    assert _rules(detector, text) == Counter(expected.split())


def test_the_ngrams_are_the_one_to_three_character_runs() -> None:
    assert tokens("着火了", []) == ["c:着", "c:火", "c:了", "c:着火", "c:火了", "c:着火了", "no-live"]


def test_a_now_word_close_after_or_a_progressive_verb_makes_the_hit_now() -> None:
    text = normalise("他打我正在")
    hit = Hit("police", 1, 2, "<violence>", "打", False, "frame", "violence")
    assert "now:police" in tokens(text, [(hit, None)])
    # A NOW word eight characters before still counts; nine before does not.
    text = normalise("现在一二三四五六着火")
    fire = Hit("fire", 8, 10, "着火", "着火", False, "keyword")
    assert "now:fire" in tokens(text, [(fire, None)])
    text = normalise("现在一二三四五六七着火")
    fire = Hit("fire", 9, 11, "着火", "着火", False, "keyword")
    assert "now:fire" not in tokens(text, [(fire, None)])
    # 在 + a verb of the event right before the hit: 在冒烟.
    text = normalise("楼下在冒烟")
    smoke = Hit("fire", 3, 5, "冒烟", "冒烟", False, "keyword")
    assert "now:fire" in tokens(text, [(smoke, None)])


def test_an_animal_within_four_characters_before_the_hit_is_noted() -> None:
    text = normalise("猫一二三困住")
    hit = Hit("fire", 4, 6, "<trapped>", "困住", False, "frame", "trapped")
    assert "animal:fire" in tokens(text, [(hit, None)])
    text = normalise("猫一二三四困住")
    hit = Hit("fire", 5, 7, "<trapped>", "困住", False, "frame", "trapped")
    assert "animal:fire" not in tokens(text, [(hit, None)])


def _model(weights: dict[str, list[float]], idf: float = 2.0) -> LinearModel:
    names = list(weights)
    return LinearModel.from_dict(
        {
            "labels": list(LABELS),
            "features": names,
            "idf": [idf] * len(names),
            "weights": [weights[n] for n in names],
            "intercept": [0.0] * len(LABELS),
        }
    )


def test_probabilities_are_the_softmax_of_the_l2_normalised_sublinear_tfidf() -> None:
    model = _model({"a": [0.0, 3.0, 0.0, 0.0, 0.0], "b": [0.0, 0.0, 4.0, 0.0, 0.0]})
    # "a" twice: tf 1 + ln 2; "b" once: tf 1; both times idf 2, then scaled to unit length.
    ta, tb = (1.0 + math.log(2)) * 2.0, 2.0
    norm = math.hypot(ta, tb)
    scores = [0.0, 3.0 * ta / norm, 4.0 * tb / norm, 0.0, 0.0]
    exp = [math.exp(s) for s in scores]
    expected = {label: e / sum(exp) for label, e in zip(LABELS, exp, strict=True)}
    got = model.probabilities(["a", "b", "a", "unknown"])
    assert got == pytest.approx(expected, abs=1e-12)
    # Nothing known: the intercepts alone, here uniform.
    assert model.probabilities(["unknown"]) == pytest.approx(dict.fromkeys(LABELS, 0.2))


def test_a_model_file_whose_arrays_do_not_match_is_refused() -> None:
    with pytest.raises(ValueError, match="do not match"):
        LinearModel.from_dict(
            {"labels": list(LABELS), "features": ["a"], "idf": [1.0, 2.0], "weights": [[0.0] * 5],
             "intercept": [0.0] * 5}
        )
    with pytest.raises(ValueError, match="do not match"):
        LinearModel.from_dict(
            {"labels": list(LABELS), "features": ["a"], "idf": [1.0], "weights": [[0.0] * 5],
             "intercept": [0.0] * 4}
        )


def test_still_going_on_after_the_hit_or_a_progressive_at_the_very_start_is_now() -> None:
    text = normalise("楼下着火了还在")
    fire = Hit("fire", 2, 4, "着火", "着火", False, "keyword")
    assert "now:fire" in tokens(text, [(fire, None)])
    # 在偷 at the start of the utterance, the hit one character in.
    text = normalise("在偷东西")
    theft = Hit("police", 1, 2, "<theft>", "偷", False, "frame", "theft")
    assert "now:police" in tokens(text, [(theft, None)])
    # ... but a progressive three characters before the hit is too far.
    text = normalise("在偷了钱包")
    wallet = Hit("police", 3, 5, "<theft>", "钱包", False, "frame", "theft")
    assert "now:police" not in tokens(text, [(wallet, None)])


def test_the_mismatch_message_names_what_does_not_match() -> None:
    with pytest.raises(ValueError, match=r"^emergency model: idf, weights and intercept do not match the "
                       r"features and labels$"):
        LinearModel.from_dict(
            {"labels": list(LABELS), "features": [], "idf": [1.0], "weights": [], "intercept": [0.0] * 5}
        )


def test_the_model_file_is_read_as_utf_8_whatever_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    shipped = LinearModel.load()
    # A locale whose default encoding is not UTF-8 (pathlib asks io.text_encoding for it).
    monkeypatch.setattr(io, "text_encoding", lambda encoding, *_args: encoding or "latin-1")
    assert LinearModel.load().vocabulary == shipped.vocabulary


def test_large_scores_do_not_overflow() -> None:
    model = LinearModel.from_dict(
        {"labels": list(LABELS), "features": [], "idf": [], "weights": [], "intercept": [800.0, 0, 0, 0, 0]}
    )
    assert model.probabilities([])["none"] == pytest.approx(1.0)

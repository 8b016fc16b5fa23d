"""Emergency detection measured on its labelled corpus (ivr/data/emergency_*.tsv), locality of
the veto, indifference to spaces, joint routing from settings, and the shipped model file."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from core.settings import Settings
from ivr.emergency import EmergencyDetector
from ivr.emergency_eval import evaluate, label_of
from ivr.emergency_match import Hit, normalise
from ivr.emergency_model import MODEL_PATH, LinearModel
from ivr.emergency_scope import veto
from ivr.emergency_training import HELDOUT, SEEN_HELDOUT, TRAINING_FILES, load_corpus, training_rows

NUMBERS = {"fire": "119", "police": "110", "medical": "120", "traffic": "122"}
SERVICES = ("fire", "police", "medical", "traffic")
# Per service, on each file. The held-out file (the second blind set, never trained or tuned on) was
# scored once when round 2 was frozen: its floors are those figures (README: figures); the issue's
# targets are recall 0.97 and precision 0.95 per service.
TRAIN_FLOOR = {"precision": 0.97, "recall": 0.97}
HELDOUT_FLOOR = {
    "fire": {"precision": 1.0, "recall": 0.988},  # 86 of 87 found, no false alarm
    "police": {"precision": 0.976, "recall": 0.943},  # recall target 0.97: 83 of 88 found
    "medical": {"precision": 0.954, "recall": 0.943},  # recall target 0.97: 83 of 88 found
    "traffic": {"precision": 0.965, "recall": 0.965},  # recall target 0.97: 85 of 88 found
}


@pytest.fixture(scope="module")
def detector() -> EmergencyDetector:
    return EmergencyDetector(NUMBERS)


def test_corpus_is_large_varied_and_disjoint_from_the_blind_set() -> None:
    train = training_rows()
    counts = Counter(label for label, _, _ in train)
    assert all(counts[s] >= 400 for s in SERVICES)
    assert sum(counts[s] for s in SERVICES) >= 1800 and counts["none"] >= 1500
    # Disjoint, even when spaces differ, and not one template.
    seen = [normalise(t) for _, _, t in train]
    assert len(set(seen)) == len(seen)
    assert not {normalise(t) for _, _, t in load_corpus(HELDOUT)} & set(seen)
    openings = Counter(t[:4] for t in seen)
    assert openings.most_common(1)[0][1] <= 0.04 * len(seen)
    assert sum(" " in t for _, _, t in train) >= 200  # spaced ASR output is in it
    # The first held-out part was seen (its errors were looked at): trained on, and says so.
    assert SEEN_HELDOUT in TRAINING_FILES and HELDOUT not in TRAINING_FILES
    assert "no longer blind" in SEEN_HELDOUT.read_text(encoding="utf-8").split("\n", 3)[0]


# Corpus-wide (thousands of utterances): slow-marked, so mutation runs (pyproject [tool.mutmut]) leave
# them to the unit tests of each rule; every other run, CI's included, runs them.
@pytest.mark.slow
@pytest.mark.parametrize("name", ["train", "held-out"])
def test_every_corpus_line_meets_the_floor_per_service(detector: EmergencyDetector, name: str) -> None:
    rows = training_rows() if name == "train" else load_corpus(HELDOUT)
    result = evaluate(detector, rows)
    print(f"\n{name}: {len(rows)} utterances")
    for error in result.errors:
        print("  error", error)
    for service, score in result.scores.items():
        print(f"  {service}: precision {score.precision:.3f} recall {score.recall:.3f}")
        floor = TRAIN_FLOOR if name == "train" else HELDOUT_FLOOR[service]
        assert score.precision >= floor["precision"], service
        assert score.recall >= floor["recall"], service
    assert result.joint_right >= 0.8 * result.joint_rows


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("我想反映一下楼下着火了", "fire"),
        ("救命啊我爸昏迷了想问怎么办", "medical"),
        ("上个月楼下着火了想问赔偿", "none"),
        ("上个月着过火，现在想投诉物业", "none"),
        ("上次着火没人管现在又着火了", "fire"),
        ("有人正在撬我家的门", "police"),
        ("有个男的一直跟着我", "police"),
        ("我手卷进机器里了", "medical"),
        ("我爸有糖尿病现在说胡话认不出人了", "medical"),
        ("前面有辆车翻了", "traffic"),
        ("如果着火了怎么逃生", "none"),
        ("我想问一下火车票怎么退", "none"),
        ("警察局开证明要带什么", "none"),
        ("医保报销的比例是多少", "none"),
    ],
)
def test_the_issue_examples(detector: EmergencyDetector, text: str, service: str) -> None:
    assert label_of(detector, text) == service


def _spaced(text: str, every: int, offset: int) -> str:
    chars = list(re.sub(r"\s+", "", text))
    return "".join(c + (" " if (i + offset) % every == 0 else "") for i, c in enumerate(chars))


@pytest.mark.slow
@pytest.mark.parametrize(("every", "offset"), [(1, 0), (2, 1), (3, 2)])
def test_spaces_anywhere_give_the_same_result(detector: EmergencyDetector, every: int, offset: int) -> None:
    for _label, _also, text in load_corpus(HELDOUT) + training_rows():
        plain, spaced = (
            detector.detect(re.sub(r"\s+", "", text)),
            detector.detect(_spaced(text, every, offset)),
        )
        assert plain == spaced, text


def _hit(text: str, word: str, nth: int = 0) -> Hit:
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(word, pos + 1)
    return Hit("fire", pos, pos + len(word), word, word, False, "keyword")


def test_a_past_marker_cancels_only_the_hit_it_governs() -> None:
    text = normalise("上次着火没人管现在又着火了")
    assert veto(text, _hit(text, "着火", 0)) == "past"
    assert veto(text, _hit(text, "着火", 1)) is None
    text = normalise("我想反映一下楼下着火了")
    assert veto(text, _hit(text, "着火")) is None
    text = normalise("上个月楼下着火了想问赔偿")
    assert veto(text, _hit(text, "着火")) == "past"


def test_negation_hypothesis_and_topic_reach_their_own_hit() -> None:
    text = normalise("没有着火但是厨房冒烟了")
    assert veto(text, _hit(text, "着火")) == "negated"
    assert veto(text, _hit(text, "冒烟")) is None
    text = normalise("如果着火了怎么办")
    assert veto(text, _hit(text, "着火")) == "hypothetical"
    text = normalise("车祸的伤残鉴定在哪做")
    assert veto(text, _hit(text, "车祸")) == "topic"
    text = normalise("火灾以后房子还能住吗")
    assert veto(text, _hit(text, "火灾")) == "topic"
    # A past scope ends after SCOPE_REACH characters without a NOW marker as well.
    text = normalise("去年我们小区出过很多很多问题物业一直不管楼下着火了")
    assert veto(text, _hit(text, "着火")) is None


def test_a_crash_with_injuries_goes_to_122_and_120_by_default(detector: EmergencyDetector) -> None:
    d = detector.detect("有个骑电动车的被车撞了躺在地上不动")
    assert d is not None and (d.service, d.target, d.also, d.also_targets) == (
        "traffic",
        "122",
        ("medical",),
        ("120",),
    )
    assert d.targets == ("122", "120")
    d = detector.detect("两辆车刮蹭了对方不肯挪车堵在路口")
    assert d is not None and (d.service, d.also) == ("traffic", ())


def test_joint_routing_is_configuration() -> None:
    settings = Settings(emergency_joint_routing={"traffic+medical": ["traffic"]})
    alone = EmergencyDetector(settings.emergency_numbers, settings.emergency_joint_routing)
    d = alone.detect("有个骑电动车的被车撞了躺在地上不动")
    assert d is not None and (d.service, d.also) == ("traffic", ())
    numbers = {**NUMBERS, "medical": "96120"}
    d = EmergencyDetector(numbers, Settings().emergency_joint_routing).detect(
        "有个骑电动车的被车撞了躺在地上不动"
    )
    assert d is not None and d.also_targets == ("96120",)
    assert Settings().emergency_joint_routing["traffic+medical"] == ["traffic", "medical"]


@pytest.mark.parametrize(
    "routing",
    [{"traffic": ["traffic"]}, {"traffic+medical": ["medical", "traffic"]}, {"traffic+boat": ["traffic"]}],
)
def test_a_wrong_joint_routing_is_refused(routing: dict[str, list[str]]) -> None:
    with pytest.raises(ValueError, match=r"joint routing|unknown emergency service"):
        EmergencyDetector(NUMBERS, routing)


def test_joint_routing_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_EMERGENCY_JOINT_ROUTING", '{"fire+medical": ["fire"]}')
    assert Settings().emergency_joint_routing == {"fire+medical": ["fire"]}


@pytest.mark.slow
def test_the_shipped_model_is_plain_json_that_the_trainer_reproduces() -> None:
    """No pickle: numbers and strings only; retraining on the training part gives the same model."""
    from ivr.emergency_training import fit

    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert set(shipped) == {"labels", "features", "idf", "weights", "intercept"}
    rows = training_rows()
    again = fit([t for _, _, t in rows], [label for label, _, _ in rows])
    assert again["labels"] == shipped["labels"] and again["features"] == shipped["features"]
    assert again["idf"] == pytest.approx(shipped["idf"], abs=1e-5)
    assert again["intercept"] == pytest.approx(shipped["intercept"], abs=1e-3)
    assert [w for row in again["weights"] for w in row] == pytest.approx(
        [w for row in shipped["weights"] for w in row], abs=1e-3
    )
    model = LinearModel.load()
    assert model.labels == ("none", "fire", "police", "medical", "traffic")

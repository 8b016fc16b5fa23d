"""Emergency routing (DOMAIN.md §3, 000 §6; 003 §10 for outages) around the model.

The model only names the service; which piece of evidence names the case, which further services
are called (Settings.emergency_joint_routing) and whether an outage is current are this module's
rules. A model that always says one label (no features, a fixed intercept) isolates them.
"""

from __future__ import annotations

import pytest

from ivr.emergency import KEYWORD_TRUST, Detection, EmergencyDetector
from ivr.emergency_model import LinearModel

NUMBERS = {"fire": "119", "police": "110", "medical": "120", "traffic": "122"}
LABELS = ["fire", "police", "medical", "traffic", "none"]


def says(label: str, confidence: float = 0.9) -> LinearModel:
    """A model whose answer is `label` with probability `confidence`, whatever it hears."""
    import math

    rest = (1 - confidence) / (len(LABELS) - 1)
    intercept = [math.log(confidence if name == label else rest) for name in LABELS]
    return LinearModel.from_dict(
        {"features": [], "labels": LABELS, "weights": [], "idf": [], "intercept": intercept}
    )


def detector(
    label: str, joint: dict[str, list[str]] | None = None, confidence: float = 0.9
) -> EmergencyDetector:
    return EmergencyDetector(NUMBERS, joint, model=says(label, confidence))


def test_services_and_targets_list_the_primary_first() -> None:
    joint = Detection("emergency", "traffic", "122", "车祸", "车祸", False, ("medical",), ("120",))
    assert joint.services == ("traffic", "medical") and joint.targets == ("122", "120")
    alone = Detection("emergency", "fire", "119", "着火", "着火", False)
    assert alone.services == ("fire",) and alone.targets == ("119",)
    outage = Detection("utility", None, None, "停水", "停水", False)
    assert outage.services == () and outage.targets == ()


def test_a_crash_with_injuries_calls_122_and_120() -> None:
    d = detector("traffic").detect("出车祸了有人受伤流血")
    assert d is not None
    assert (d.kind, d.service, d.target, d.also, d.also_targets) == (
        "emergency",
        "traffic",
        "122",
        ("medical",),
        ("120",),
    )
    assert (d.keyword, d.heard, d.via_pinyin) == ("车祸", "车祸", False)
    assert d.confidence == pytest.approx(0.9)


def test_a_crash_without_injuries_calls_only_122() -> None:
    d = detector("traffic").detect("出车祸了两辆车撞了")
    assert d is not None and d.also == () and d.also_targets == ()


def test_the_city_decides_the_joint_routing() -> None:
    d = detector("traffic", {"traffic+medical": ["traffic"]}).detect("出车祸了有人受伤流血")
    assert d is not None and d.services == ("traffic",)
    d = detector("traffic", {}).detect("出车祸了有人受伤流血")
    assert d is not None and d.services == ("traffic",)
    # Another service is called only on its own keyword, not on a frame of it.
    police = detector("traffic", {"traffic+police": ["traffic", "police"]})
    d = police.detect("出车祸了对方司机打人")
    assert d is not None and d.services == ("traffic", "police") and d.targets == ("122", "110")
    d = police.detect("出车祸了有人受伤流血")
    assert d is not None and d.services == ("traffic",)


@pytest.mark.parametrize(
    ("routing", "words"),
    [
        ({"traffic-medical": ["traffic", "medical"]}, "not '<primary>+<other>'"),
        ({"traffic+aliens": ["traffic"]}, "unknown emergency service 'aliens'"),
        ({"traffic+medical": []}, "must call traffic first"),
        ({"traffic+medical": ["medical", "traffic"]}, "must call traffic first"),
        ({"traffic+medical": ["traffic", "medical", "medical"]}, "each service once"),
        ({"traffic+medical": ["traffic", "ambulance"]}, "one of fire, police, medical, traffic"),
    ],
)
def test_a_wrong_joint_routing_is_refused_at_start(routing: dict[str, list[str]], words: str) -> None:
    with pytest.raises(ValueError, match=words.replace("+", r"\+").replace("(", r"\(")):
        EmergencyDetector(NUMBERS, routing, model=says("none"))


def test_every_service_needs_its_number() -> None:
    for service in NUMBERS:
        numbers = {k: v for k, v in NUMBERS.items() if k != service}
        with pytest.raises(ValueError, match=f"emergency_numbers lacks {service}$"):
            EmergencyDetector(numbers, model=says("none"))


def test_an_exact_keyword_names_the_case_before_a_homophone_and_a_frame() -> None:
    # 着伙 (a homophone of 着火) comes first, the exact 着火 later: the exact word names it.
    d = detector("fire").detect("楼下着伙了现在着火了")
    assert d is not None and (d.keyword, d.heard, d.via_pinyin) == ("着火", "着火", False)
    # Only a homophone: it names the case, marked as heard through pinyin.
    d = detector("fire").detect("我家着伙了")
    assert d is not None and (d.keyword, d.heard, d.via_pinyin) == ("着火", "着伙", True)
    # Between two exact words the earlier names the case.
    d = detector("fire").detect("失火了着火了")
    assert d is not None and (d.keyword, d.heard) == ("失火", "失火")


def test_a_service_the_model_names_without_evidence_is_the_models() -> None:
    d = detector("medical", confidence=0.6).detect("你好我想问一下")
    assert d is not None
    assert (d.service, d.target, d.keyword, d.heard, d.via_pinyin) == ("medical", "120", "<model>", "", False)
    assert d.confidence == pytest.approx(0.6)


def test_evidence_of_another_service_does_not_name_the_case() -> None:
    d = detector("medical").detect("出车祸了")
    assert d is not None and (d.service, d.keyword) == ("medical", "<model>")


@pytest.mark.parametrize(
    ("text", "keyword", "heard"),
    [
        ("家里停水了", "停水", "停水"),
        ("我们这燃气停了", "燃气停", "燃气停"),
        ("天然气管道坏了", "天然气", "天然气坏了"),
        ("自来水不通", "自来水", "自来水不通"),
        ("供暖到现在还是不热", "供暖", "供暖不热"),
    ],
)
def test_an_outage_names_what_was_heard(text: str, keyword: str, heard: str) -> None:
    d = detector("none", confidence=0.7).detect(text)
    assert d is not None
    assert (d.kind, d.service, d.target, d.keyword, d.heard, d.via_pinyin) == (
        "utility",
        None,
        None,
        keyword,
        heard,
        False,
    )
    assert d.confidence == pytest.approx(0.7)


@pytest.mark.parametrize(
    "text",
    [
        "昨天停水了现在好了",  # past
        "如果停电了怎么办",  # hypothetical
        "上个月天然气坏了",  # past, subject + problem
        "水费怎么交电费也要交",  # 水 / 电 alone are not an outage
        "小区停电过两回",  # 停电过: it has happened, it is not happening
        "我想问问办事流程",
    ],
)
def test_a_past_or_hypothetical_outage_is_no_outage(text: str) -> None:
    assert detector("none").detect(text) is None


def test_a_current_outage_after_a_past_one_counts() -> None:
    d = detector("none").detect("昨天停水了今天又停电")
    assert d is not None and (d.kind, d.keyword) == ("utility", "停电")


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("昨天停水了今天又停水", "停水"),  # 003 §10: today's outage is urgent, whatever happened yesterday
        ("上周燃气坏了现在燃气又坏了", "燃气"),
    ],
)
def test_an_outage_said_again_after_a_past_one_is_current(text: str, keyword: str) -> None:
    d = detector("none").detect(text)
    assert d is not None and (d.kind, d.keyword) == ("utility", keyword)


def model(probs: dict[str, float]) -> LinearModel:
    """A model that gives these probabilities whatever it hears."""
    import math

    intercept = [math.log(probs[name]) for name in LABELS]
    return LinearModel.from_dict(
        {"features": [], "labels": LABELS, "weights": [], "idf": [], "intercept": intercept}
    )


def test_a_live_keyword_is_trusted_unless_the_model_is_quite_sure_there_is_no_event() -> None:
    # Either side of KEYWORD_TRUST (0.4, chosen by cross-validation; the "none" stays the likeliest).
    trusted = KEYWORD_TRUST + 0.05
    unsure = EmergencyDetector(
        NUMBERS,
        model=model(
            {"fire": trusted, "police": 0.02, "medical": 0.02, "traffic": 0.01, "none": 0.95 - trusted}
        ),
    )
    d = unsure.detect("着火了")
    assert d is not None and (d.service, d.keyword) == ("fire", "着火")
    assert d.confidence == pytest.approx(trusted)
    doubted = KEYWORD_TRUST - 0.05
    sure = EmergencyDetector(
        NUMBERS,
        model=model(
            {"fire": doubted, "police": 0.05, "medical": 0.05, "traffic": 0.05, "none": 0.85 - doubted}
        ),
    )
    assert sure.detect("着火了") is None
    # A vetoed keyword or a frame alone is no keyword to trust.
    assert unsure.detect("没有着火只是烧焦味") is None
    d = unsure.detect("有人倒在地上起不来")
    assert d is None or d.kind != "emergency"


def test_the_trusted_keyword_is_the_likeliest_of_those_said() -> None:
    probs = {"fire": 0.42, "police": 0.05, "medical": 0.01, "traffic": 0.01, "none": 0.51}
    d = EmergencyDetector(NUMBERS, model=model(probs)).detect("着火了还有人打架")
    assert d is not None and d.service == "fire"


def test_a_generic_cry_for_help_is_a_keyword_a_frame_alone_is_not() -> None:
    police = {"fire": 0.02, "police": 0.45, "medical": 0.02, "traffic": 0.01, "none": 0.5}
    d = EmergencyDetector(NUMBERS, model=model(police)).detect("救命")
    assert d is not None and d.service == "police"
    medical = {"fire": 0.02, "police": 0.02, "medical": 0.45, "traffic": 0.01, "none": 0.5}
    d = EmergencyDetector(NUMBERS, model=model(medical)).detect("有人倒在地上起不来")
    assert d is None or d.kind != "emergency"


def test_a_medical_keyword_calls_120_with_the_primary() -> None:
    d = detector("traffic").detect("出车祸了快叫救护车")
    assert d is not None and d.services == ("traffic", "medical")


def test_the_model_sees_the_same_features_whatever_the_punctuation() -> None:
    det = detector("none")
    assert det.features("着火了！快来人") == det.features("着火了 快来人") == det.features("着火了快来人")
    assert det.features("着火了") != det.features("停水了")


def test_an_outage_word_is_current_at_its_first_current_occurrence() -> None:
    # The first 停水 is current, the last one past; in the second text the middle one is current.
    for text in ("停水了上个月也停水", "上个月停水现在停水了去年也停水"):
        d = detector("none").detect(text)
        assert d is not None and (d.kind, d.keyword) == ("utility", "停水"), text


def test_an_outage_problem_must_come_after_its_subject() -> None:
    # 停 of 停车场 is before 暖气: the heating is fine.
    assert detector("none").detect("停车场的暖气挺热的") is None


def test_only_someone_hurt_or_a_medical_keyword_adds_120() -> None:
    d = detector("traffic").detect("出车祸了有人休克")
    assert d is not None and d.services == ("traffic", "medical")
    # A medical frame that is no injury (shaking) does not.
    d = detector("traffic").detect("出车祸了司机一直发抖")
    assert d is not None and d.services == ("traffic",)


def test_a_further_service_other_than_120_needs_its_keyword() -> None:
    joint = {"fire+police": ["fire", "police"]}
    d = detector("fire", joint).detect("着火了有个人一直跟着我")
    assert d is not None and d.services == ("fire",)  # a police frame alone
    d = detector("fire", joint).detect("着火了家里有小偷")
    assert d is not None and d.services == ("fire", "police")


def test_a_homophone_names_the_case_before_an_earlier_frame() -> None:
    d = detector("fire").detect("烧到了着伙了")
    assert d is not None and (d.keyword, d.heard, d.via_pinyin) == ("着火", "着伙", True)


def test_missing_emergency_numbers_are_listed() -> None:
    with pytest.raises(ValueError, match=r"^emergency_numbers lacks police, medical, traffic$"):
        EmergencyDetector({"fire": "119"})


def test_a_keyword_is_trusted_at_exactly_the_trust_level() -> None:
    import math

    inf = float("inf")
    exactly = LinearModel.from_dict(
        {"features": [], "labels": LABELS, "weights": [], "idf": [],
         "intercept": [math.log(KEYWORD_TRUST), -inf, -inf, -inf, math.log(1 - KEYWORD_TRUST)]}
    )
    assert exactly.probabilities([])["fire"] == KEYWORD_TRUST
    d = EmergencyDetector(NUMBERS, model=exactly).detect("着火了")
    assert d is not None and d.service == "fire"

"""Emergency detection on the labelled phrasings in tests/data/ivr (written for this project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.emergency import EmergencyDetector

DATA = Path(__file__).resolve().parents[2] / "data" / "ivr"
NUMBERS = {"fire": "119", "police": "110", "medical": "120", "traffic": "122"}
EMERGENCIES = ("fire", "police", "medical", "traffic")


def _load(name: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, text, *rest = line.split("\t")
        rows.append((label, text, rest[0] if rest else ""))
    return rows


@pytest.fixture(scope="module")
def detector() -> EmergencyDetector:
    return EmergencyDetector(NUMBERS)


def _label(detector: EmergencyDetector, text: str) -> str:
    d = detector.detect(text)
    if d is None:
        return "none"
    return "utility" if d.kind == "utility" else str(d.service)


def _measure(detector: EmergencyDetector, rows: list[tuple[str, str, str]]) -> tuple[float, float, list[str]]:
    """Precision / recall of "an emergency for the right service"; wrong service counts as both errors."""
    tp = fp = fn = 0
    misses: list[str] = []
    for label, text, _note in rows:
        got = _label(detector, text)
        if got == label and label in EMERGENCIES:
            tp += 1
        else:
            if got in EMERGENCIES:
                fp += 1
            if label in EMERGENCIES:
                fn += 1
            if got != label:
                misses.append(f"{label}→{got}: {text}")
    return tp / max(1, tp + fp), tp / max(1, tp + fn), misses


def test_labelled_list_is_large_and_varied() -> None:
    rows = _load("emergency_phrasings.tsv")
    assert len(rows) >= 200
    labels = {label for label, _, _ in rows}
    assert labels == {*EMERGENCIES, "utility", "none"}
    assert sum(note == "asr" for _, _, note in rows) >= 30
    assert sum(note in ("neg", "past") for _, _, note in rows) >= 15


@pytest.mark.parametrize(
    "name", ["emergency_phrasings.tsv", "emergency_blind.tsv", "emergency_blind2.tsv", "emergency_blind3.tsv"]
)
def test_precision_and_recall(detector: EmergencyDetector, name: str) -> None:
    rows = _load(name)
    precision, recall, misses = _measure(detector, rows)
    utility_rows = [r for r in rows if r[0] == "utility"]
    utility_ok = sum(_label(detector, t) == "utility" for _, t, _ in utility_rows)
    print(
        f"\n{name}: {len(rows)} phrasings, emergency precision {precision:.3f}, recall {recall:.3f}; "
        f"utility {utility_ok}/{len(utility_rows)}"
    )
    for miss in misses:
        print("  miss", miss)
    # The first list was written with the lexicon (and is training data of the model now); the
    # blind ones after it; the fourth after the corpus model was frozen (README: figures).
    floor = {"emergency_phrasings.tsv": 0.95, "emergency_blind3.tsv": 0.85}.get(name, 0.9)
    assert recall >= floor
    assert precision >= floor
    assert utility_ok >= 0.8 * len(utility_rows)


@pytest.mark.slow
def test_written_complaints_rarely_look_like_emergencies(
    detector: EmergencyDetector, teddy_dataset: Path
) -> None:
    """Precision proxy: the 1,842 泰迪杯 messages are complaints and questions, not emergencies
    (a few describe past incidents in words no rule can date)."""
    from ivr.training import load_tsv

    rows = load_tsv(teddy_dataset)
    flagged = [t for _, t in rows if (d := detector.detect(t)) is not None and d.kind == "emergency"]
    rate = len(flagged) / len(rows)
    print(f"\n{len(flagged)} of {len(rows)} written messages flagged as emergencies ({rate:.1%})")
    assert rate <= 0.12


@pytest.mark.parametrize(
    ("text", "keyword", "heard"),
    [
        ("我家着伙了", "着火", "着伙"),
        ("楼上失获了", "失火", "失获"),
        ("快叫救互车", "救护车", "救互车"),
        ("前面车货了", "车祸", "车货"),
        ("有人晕到了", "晕倒", "晕到"),
    ],
)
def test_homophones_match_through_pinyin(
    detector: EmergencyDetector, text: str, keyword: str, heard: str
) -> None:
    d = detector.detect(text)
    assert d is not None and d.kind == "emergency"
    assert (d.keyword, d.heard, d.via_pinyin) == (keyword, heard, True)


@pytest.mark.parametrize(
    "text",
    [
        "上个月着过火，现在想投诉物业",
        "我想问一下期货公司的电话",
        "楼下大人在吵架",
        "没有着火只是烧焦味",
        "如果着火了怎么逃生",
        "楼道堆杂物有火灾隐患",
    ],
)
def test_not_an_emergency(detector: EmergencyDetector, text: str) -> None:
    d = detector.detect(text)
    assert d is None or d.kind != "emergency"


@pytest.mark.parametrize("text", ["停水了", "家里停电", "暖气不热", "燃气停了做不了饭"])
def test_utility_outage_is_not_for_110(detector: EmergencyDetector, text: str) -> None:
    d = detector.detect(text)
    assert d is not None and d.kind == "utility" and d.target is None


def test_most_serious_service_wins(detector: EmergencyDetector) -> None:
    d = detector.detect("出车祸了有人流了好多血")
    assert d is not None and d.service == "traffic" and d.target == "122"
    d = detector.detect("救命啊我妈晕倒了")
    assert d is not None and d.service == "medical" and d.target == "120"
    d = detector.detect("救命")
    assert d is not None and d.service == "police" and d.target == "110"


def test_gas_leak_heard_as_homophone_is_fire(detector: EmergencyDetector) -> None:
    d = detector.detect("家里煤气泄露了")
    assert d is not None and d.service == "fire" and d.target == "119"


def test_current_event_after_a_past_one(detector: EmergencyDetector) -> None:
    d = detector.detect("上次着火没人管现在又着火了")
    assert d is not None and d.service == "fire"


def test_numbers_come_from_settings() -> None:
    d = EmergencyDetector({**NUMBERS, "fire": "96119"}).detect("着火了")
    assert d is not None and d.target == "96119"
    with pytest.raises(ValueError, match="traffic"):
        EmergencyDetector({"fire": "119", "police": "110", "medical": "120"})

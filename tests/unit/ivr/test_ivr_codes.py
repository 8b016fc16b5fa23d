"""The IVR speaks the ticket engine's codes: every category and unit it can set on a channel is
one of the seeded tree (tickets/demo.py), and is the category's usual lead unit there. A renamed
category or unit on either side fails here, not silently in the ticket writer."""

from __future__ import annotations

import pytest

from core.settings import Settings
from ivr.classify import CATEGORIES, UTILITY_CATEGORIES, Classifier, load_shipped_model, utility_category
from ivr.emergency import UTILITY_PHRASES, UTILITY_SUBJECTS, EmergencyDetector
from tickets import demo

TREE: dict[str, str | None] = {}
for _code, _name, _unit, _children in demo.CATEGORIES:
    TREE[_code] = _unit
    TREE.update({child: unit for child, _child_name, unit in _children})
UNITS = {code for code, *_rest in demo.UNITS}


def test_every_classifier_class_maps_to_a_tree_category_and_its_unit() -> None:
    assert set(CATEGORIES) == set(load_shipped_model().classes)
    for label, (code, unit) in CATEGORIES.items():
        assert code in TREE, f"{label}: category {code!r} is not in the seeded tree"
        assert unit in UNITS, f"{label}: unit {unit!r} is not in the seeded directory"
        assert TREE[code] == unit, f"{label}: {code!r} is led by {TREE[code]!r}, not {unit!r}"


def test_every_outage_maps_to_a_utility_category_and_its_unit() -> None:
    for _words, (code, unit) in UTILITY_CATEGORIES:
        assert code in TREE and unit in UNITS and TREE[code] == unit, code
    # Whatever ivr.emergency reports as an outage names one of them.
    detector = EmergencyDetector({"fire": "119", "police": "110", "medical": "120", "traffic": "122"})
    for phrase in UTILITY_PHRASES:
        detection = detector.detect(f"我家{phrase}")
        if detection is not None and detection.kind == "utility":
            assert utility_category(detection.heard) is not None, phrase
    for subject in UTILITY_SUBJECTS[2:]:
        assert utility_category(subject + "停了") is not None, subject


@pytest.mark.parametrize(
    ("heard", "codes"),
    [
        ("停水", ("urban.water", "u-water")),
        ("自来水停", ("urban.water", "u-water")),
        ("停电", ("urban.power", "u-power")),
        ("断气了", ("urban.gas", "u-gas")),
        ("天然气断", ("urban.gas", "u-gas")),
        ("暖气不热", ("urban.heating", "u-heat")),
        ("停暖", ("urban.heating", "u-heat")),
        ("排队", None),
    ],
)
def test_utility_category(heard: str, codes: tuple[str, str] | None) -> None:
    assert utility_category(heard) == codes


def test_default_unit_queues_name_seeded_units() -> None:
    settings = Settings()
    assert set(settings.unit_queues) <= UNITS
    # Utilities' follow-ups reach the priority queue (003 §10), market supervision 12315's queue.
    assert {settings.unit_queues[u] for u in ("u-water", "u-power", "u-gas", "u-heat")} == {"q-priority"}
    assert settings.unit_queues["dept-market"] == settings.dids["12315"]


def test_classifier_output_is_in_the_tree() -> None:
    c = Classifier(load_shipped_model())
    got = c.classify("楼下工地晚上施工噪音太大了吵得睡不着我要投诉")
    assert got.category in TREE and got.suggested_unit in UNITS

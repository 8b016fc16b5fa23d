"""settings.emergency_numbers is the one list of emergency services and numbers (DOMAIN.md §3)."""

from __future__ import annotations

import pytest

from core.settings import EmergencyLine, Settings


def test_the_default_services_are_the_national_numbers_with_their_labels() -> None:
    s = Settings()
    assert s.emergency_targets() == frozenset({"110", "119", "120", "122"})
    assert s.emergency_lines() == [
        EmergencyLine(service="police", number="110", label="报警"),
        EmergencyLine(service="fire", number="119", label="火警"),
        EmergencyLine(service="medical", number="120", label="急救"),
        EmergencyLine(service="traffic", number="122", label="交通事故"),
    ]


def test_a_deployment_sets_its_own_numbers_and_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "HOTLINE_EMERGENCY_NUMBERS",
        '{"fire": "96119", "police": "110", "medical": "120", "traffic": "122", "sea": "12395"}',
    )
    s = Settings()
    assert s.emergency_targets() == frozenset({"96119", "110", "120", "122", "12395"})
    lines = {line.service: line for line in s.emergency_lines()}
    assert lines["fire"] == EmergencyLine(service="fire", number="96119", label="火警")
    # A service of its own without a label is shown by its number alone.
    assert lines["sea"].label == ""
    monkeypatch.setenv("HOTLINE_EMERGENCY_LABELS", '{"fire": "火警", "sea": "海上搜救"}')
    assert {line.service: line.label for line in Settings().emergency_lines()}["sea"] == "海上搜救"

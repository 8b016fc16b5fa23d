from __future__ import annotations

import pytest

from core.settings import DEV_AMI_SECRET, QueueDef, Settings


def test_defaults_follow_the_three_ring_rule() -> None:
    s = Settings()
    # 004 §11: three rings at 1 s on / 4 s off.
    assert s.calls.ring_timeout_s == 15
    assert s.http_port == 8000
    assert s.agi_port == 4573
    assert s.database_url.startswith("sqlite:///")


def test_environment_overrides_flat_and_nested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    monkeypatch.setenv("HOTLINE_AMI_HOST", "10.0.0.5")
    monkeypatch.setenv("HOTLINE_CALLS__MAX_RINGS", "4")
    monkeypatch.setenv("HOTLINE_RULES__COMPLAINT_COMPLETE_WORKING_DAYS", "5")
    s = Settings()
    assert s.database_url.startswith("postgresql+psycopg://")
    assert s.ami_host == "10.0.0.5"
    assert s.calls.ring_timeout_s == 20
    assert s.rules.complaint_complete_working_days == 5


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ValueError, match="HOTLINE_AMI_SECRET"):
        Settings(mode="production", token_secret="a-long-enough-real-secret")
    with pytest.raises(ValueError, match="HOTLINE_TOKEN_SECRET"):
        Settings(mode="production", ami_secret="another-real-secret")
    ok = Settings(mode="production", ami_secret="x" * 16, token_secret="y" * 32)
    assert ok.ami_secret != DEV_AMI_SECRET
    # RFC 7518 §3.2: an HS256 key has at least 256 bits, the previous keys of a rotation too.
    with pytest.raises(ValueError, match="HOTLINE_TOKEN_SECRET"):
        Settings(mode="production", ami_secret="x" * 16, token_secret="y" * 31)
    with pytest.raises(ValueError, match=r"HOTLINE_TOKEN_PREVIOUS_KEYS\[k0\]"):
        Settings(
            mode="production", ami_secret="x" * 16, token_secret="y" * 32, token_previous_keys={"k0": "short"}
        )


def test_token_key_ids_are_plain_and_the_current_one_is_not_a_previous_one() -> None:
    with pytest.raises(ValueError, match="current key id"):
        Settings(token_key_id="k2", token_previous_keys={"k2": "z" * 32})
    with pytest.raises(ValueError):
        Settings(token_key_id="k 2")
    rotated = Settings(token_key_id="k2", token_secret="n" * 32, token_previous_keys={"k1": "o" * 32})
    assert (rotated.token_key_id, list(rotated.token_previous_keys)) == ("k2", ["k1"])


def test_undefined_queues_are_refused() -> None:
    with pytest.raises(ValueError, match="q-missing"):
        Settings(dids={"12345": "q-missing"})
    with pytest.raises(ValueError, match="overflows to undefined"):
        Settings(
            queues=[QueueDef(name="q-general", title="综合", overflow_to="q-nowhere")],
            priority_queue="q-general",
            watch_queue="q-general",
            dids={"12345": "q-general"},
            unit_queues={},
        )


def test_unit_queues_must_name_defined_queues(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="q-water"):
        Settings(unit_queues={"u-water": "q-water"})
    monkeypatch.setenv("HOTLINE_UNIT_QUEUES", '{"dept-env": "q-dialect"}')
    assert Settings().unit_queues == {"dept-env": "q-dialect"}

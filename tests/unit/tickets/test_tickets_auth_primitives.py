from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent_desk.api.tokens import InvalidToken, TokenClaims, issue_token, new_claims, verify_token
from tickets.actors import Actor
from tickets.passwords import hash_password, verify_password
from tickets.vocab import Role

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
SECRET = "a-secret-of-some-length"


def test_password_hash_round_trip_and_salt() -> None:
    h1, h2 = hash_password("demo12345"), hash_password("demo12345")
    assert h1 != h2  # salted
    assert h1.startswith("scrypt$")
    assert verify_password("demo12345", h1)
    assert not verify_password("demo12346", h1)
    assert not verify_password("demo12345", "garbage")
    with pytest.raises(ValueError):
        hash_password("")


def test_token_carries_role_unit_and_extension() -> None:
    actor = Actor("seat1001", Role.SEAT, "centre", "1001")
    token = issue_token(SECRET, new_claims(actor, "话务员", NOW))
    claims = verify_token(SECRET, token, NOW + timedelta(hours=1))
    assert claims.actor() == actor
    assert claims.name == "话务员"


def test_tampered_expired_and_foreign_tokens_are_refused() -> None:
    actor = Actor("unit-x", Role.UNIT_HANDLER, "dept-env")
    token = issue_token(SECRET, new_claims(actor, None, NOW))
    payload, sig = token.split(".")
    forged = TokenClaims(sub="unit-x", role=Role.ADMIN, exp=int((NOW + timedelta(hours=1)).timestamp()))
    with pytest.raises(InvalidToken, match="签名"):
        verify_token(SECRET, issue_token("another-secret", forged).split(".")[0] + "." + sig, NOW)
    with pytest.raises(InvalidToken, match="签名"):
        verify_token("another-secret-entirely", token, NOW)
    with pytest.raises(InvalidToken, match="过期"):
        verify_token(SECRET, token, NOW + timedelta(hours=13))
    with pytest.raises(InvalidToken, match="格式"):
        verify_token(SECRET, "no-dot-here", NOW)
    system = TokenClaims(sub="system", role=Role.SYSTEM, exp=int((NOW + timedelta(hours=1)).timestamp()))
    with pytest.raises(InvalidToken):
        verify_token(SECRET, issue_token(SECRET, system), NOW)
    assert payload

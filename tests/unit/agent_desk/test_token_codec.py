"""The desk's JSON Web Tokens: what they must carry, and every way a token is refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from agent_desk.api.tokens import InvalidToken, TokenKeys, issue_token, new_claims, verify_token
from core.settings import Settings

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
AUD = "hotline12345-desk"
KEY = "k" * 40
KEYS = TokenKeys.single("k1", KEY, AUD)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_is_a_jwt_with_kid_iat_exp_aud_and_no_privileges() -> None:
    token = issue_token(KEYS, new_claims("seat1001", 3, AUD, NOW))
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    payload = jwt.decode(token, KEY, algorithms=["HS256"], audience=AUD, options={"verify_exp": False})
    assert payload == {
        "sub": "seat1001",
        "ver": 3,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=12)).timestamp()),
        "aud": AUD,
    }  # no role, unit or extension: those are the account's (token_check)
    claims = verify_token(KEYS, token, NOW + timedelta(hours=1))
    assert (claims.sub, claims.ver) == ("seat1001", 3)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "no-dot-here",
        "a.b",
        "a.b.c",
        "令牌.令牌.令牌",
        "eyJhbGciOiJIUzI1NiJ9.é.x",
        "x" * 5000,
        jwt.PyJWS().encode(b"not-json", KEY, algorithm="HS256", headers={"kid": "k1"}),  # signed junk
        jwt.PyJWS().encode(b"[1, 2]", KEY, algorithm="HS256", headers={"kid": "k1"}),
    ],
)
def test_malformed_and_non_ascii_tokens_are_refused_as_malformed(token: str) -> None:
    with pytest.raises(InvalidToken, match=r"令牌格式错误|令牌内容无效"):
        verify_token(KEYS, token, NOW)


def test_non_ascii_is_malformed_before_anything_is_decoded() -> None:
    with pytest.raises(InvalidToken, match="格式"):
        verify_token(KEYS, "eyJ令牌", NOW)


def test_expired_wrong_audience_forged_and_future_tokens_are_refused() -> None:
    token = issue_token(KEYS, new_claims("seat1001", 0, AUD, NOW))
    with pytest.raises(InvalidToken, match="过期"):
        verify_token(KEYS, token, NOW + timedelta(hours=12))
    other = issue_token(KEYS, new_claims("seat1001", 0, "another-deployment", NOW))
    with pytest.raises(InvalidToken, match="不属于本系统"):
        verify_token(KEYS, other, NOW)
    forged = issue_token(TokenKeys.single("k1", "f" * 40, AUD), new_claims("admin", 0, AUD, NOW))
    with pytest.raises(InvalidToken, match="签名"):
        verify_token(KEYS, forged, NOW)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{_b64({**jwt.decode(token, options={'verify_signature': False}), 'sub': 'admin'})}"
    with pytest.raises(InvalidToken, match="签名"):
        verify_token(KEYS, f"{tampered}.{signature}", NOW)
    future = issue_token(KEYS, new_claims("seat1001", 0, AUD, NOW + timedelta(hours=1)))
    with pytest.raises(InvalidToken, match="签发时间"):
        verify_token(KEYS, future, NOW)
    assert payload


def test_unsigned_and_other_algorithm_tokens_are_refused() -> None:
    claims = new_claims("admin", 0, AUD, NOW).model_dump()
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):
        verify_token(KEYS, unsigned, NOW)
    hs512 = jwt.encode(claims, KEY + KEY, algorithm="HS512", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):
        verify_token(KEYS, hs512, NOW)


def test_claims_of_the_wrong_type_or_missing_are_refused() -> None:
    good = new_claims("seat1001", 0, AUD, NOW).model_dump()
    for bad in ({**good, "ver": "0"}, {**good, "sub": 7}, {k: v for k, v in good.items() if k != "ver"}):
        token = jwt.encode(bad, KEY, algorithm="HS256", headers={"kid": "k1"})
        with pytest.raises(InvalidToken, match="内容无效"):
            verify_token(KEYS, token, NOW)


def test_rotation_previous_keys_verify_and_removed_keys_do_not() -> None:
    before = Settings(token_key_id="k1", token_secret=KEY)
    old_token = issue_token(
        TokenKeys.from_settings(before), new_claims("seat1001", 0, before.token_audience, NOW)
    )
    rotated = Settings(token_key_id="k2", token_secret="n" * 40, token_previous_keys={"k1": KEY})
    keys = TokenKeys.from_settings(rotated)
    assert verify_token(keys, old_token, NOW).sub == "seat1001"
    new_token = issue_token(keys, new_claims("seat1001", 0, rotated.token_audience, NOW))
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    assert verify_token(keys, new_token, NOW).sub == "seat1001"
    # A shift later the old key is dropped: what it signed stops.
    done = TokenKeys.from_settings(Settings(token_key_id="k2", token_secret="n" * 40))
    with pytest.raises(InvalidToken, match="密钥未知或已停用"):
        verify_token(done, old_token, NOW)
    assert verify_token(done, new_token, NOW).sub == "seat1001"
    # A token naming a key id it was not signed with is refused by that key's signature.
    relabelled = jwt.encode(
        new_claims("admin", 0, AUD, NOW).model_dump(), "n" * 40, algorithm="HS256", headers={"kid": "k1"}
    )
    with pytest.raises(InvalidToken, match="签名"):
        verify_token(keys, relabelled, NOW)

from __future__ import annotations

import pytest

from tickets.errors import InvalidInput
from tickets.passwords import check_strength, hash_password, verify_password


def test_password_hash_round_trip_and_salt() -> None:
    h1, h2 = hash_password("demo12345"), hash_password("demo12345")
    assert h1 != h2  # salted
    assert h1.startswith("scrypt$")
    assert verify_password("demo12345", h1)
    assert not verify_password("demo12346", h1)
    assert not verify_password("demo12345", "garbage")
    with pytest.raises(ValueError):
        hash_password("")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("demo12345", "常见密码"),
        ("password1", "常见密码"),
        ("qwertyuiop", "键盘"),
        ("abcdefgh12345678", "顺序"),
        ("zzzzzzzzzzzz", "重复"),
    ],
)
def test_guessable_passwords_are_refused_with_a_chinese_reason(password: str, why: str) -> None:
    with pytest.raises(InvalidInput, match="密码太弱") as refused:
        check_strength(password, "seat1001")
    assert why in refused.value.reason


@pytest.mark.parametrize("password", ["seat1001", "SEAT1001", "my-seat1001-Harbor-lamp-47"])
def test_a_password_containing_the_username_is_refused(password: str) -> None:
    with pytest.raises(InvalidInput, match="用户名"):
        check_strength(password, "seat1001")


def test_the_display_name_counts_as_a_guess() -> None:
    check_strength("zhangwei-harbor", "seat1001")
    with pytest.raises(InvalidInput, match="密码太弱"):
        check_strength("zhangwei-harbor", "seat1001", ["zhangwei-harbor"])


@pytest.mark.parametrize(
    "password", ["yellow-Harbor-lamp-47", "correct horse battery staple", "江边路灯-2026-quiet"]
)
def test_strong_passwords_pass(password: str) -> None:
    check_strength(password, "seat1001", ["话务员1001"])

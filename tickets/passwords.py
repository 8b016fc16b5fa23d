"""Password hashing with the standard library's scrypt, and the strength rule of new passwords.

Strength is zxcvbn's estimate (the `zxcvbn` package: dictionaries of common passwords, names and
words, keyboard rows, sequences, repeats, dates), not a rule of character classes: "Tr0ub4dor&3"
passes a class rule and is guessed quickly; four uncommon words pass here. DOMAIN.md §9: access to
complainants' data is by account, so an account's password must not be guessable.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from tickets.errors import InvalidInput

_N, _R, _P = 2**14, 8, 1
# zxcvbn's scale 0-4: 3 is "safely unguessable" (about 10^8 guesses or more), OWASP's usual floor.
MIN_SCORE = 3
# Why the weakest part is weak, by zxcvbn's pattern of the longest match.
_HINTS = {
    "dictionary": "含有常见密码、常用单词或姓名",
    "spatial": "含有键盘上相邻的按键序列",
    "repeat": "含有重复的字符或片段",
    "sequence": "含有 abc、6543 之类的顺序字符",
    "regex": "含有年份",
    "date": "含有日期",
}


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("empty password")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(digest.hex(), digest_hex)


def check_strength(password: str, username: str, other_inputs: Iterable[str] = ()) -> None:
    """Refuses (InvalidInput, the reason in Chinese) a password that is easy to guess."""
    lowered = password.casefold()
    name = username.strip().casefold()
    if name and name in lowered:
        raise InvalidInput("密码不能包含用户名")
    from zxcvbn import zxcvbn  # its word lists take a moment to load: only when a password is set

    inputs = [name, *(i.strip() for i in other_inputs if i.strip())]
    result: dict[str, Any] = zxcvbn(password, user_inputs=inputs)
    score = int(result["score"])
    if score >= MIN_SCORE:
        return
    matches = [m for m in result.get("sequence", []) if m.get("pattern") in _HINTS]
    hint = ""
    if matches:
        longest = max(matches, key=lambda m: len(str(m.get("token", ""))))
        hint = _HINTS[str(longest["pattern"])] + ","
    raise InvalidInput(
        f"密码太弱,容易被猜到({hint}强度 {score}/4,至少需要 {MIN_SCORE}):"
        "请使用更长的密码,例如几个不常见的词语或拼音加数字的组合,避免常见密码、姓名、日期和键盘序列"
    )

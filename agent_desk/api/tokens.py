"""Bearer tokens for the REST API and the websockets: JSON Web Tokens (PyJWT, HS256).

A token says who (`sub`) and under which token version of the account (`ver`), when it was
issued (`iat`), until when it holds (`exp`) and for whom (`aud`, this deployment's desk). It
carries no role, unit or extension: those are re-read from the account on every request
(agent_desk.api.token_check), so a change of role applies to the next request of an old token.

The header's `kid` names the signing key, so the key can be rotated: new tokens are signed with
the current key, and a token signed with a previous key stays valid while that key is listed in
`settings.token_previous_keys`; a key removed from the settings stops its tokens at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

import jwt
from pydantic import BaseModel, Field, ValidationError

from core.settings import Settings

ALGORITHM = "HS256"
DEFAULT_TTL = timedelta(hours=12)  # one shift
# Far above any real token (a few hundred bytes): a header stuffed with junk is refused unread.
MAX_TOKEN_CHARS = 4096
# The web processes' clocks may differ a little: a token issued "in the future" by up to this is fine.
CLOCK_SKEW_S = 60


class InvalidToken(Exception):
    """`reason` is shown to people (Chinese): the REST API's 401 detail, the websocket's close reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalformedToken(InvalidToken):
    """What arrived is not a token at all (non-ASCII, oversized, not a JWT): the websocket treats it as
    no token (close 4001, issue 11), while a well-formed token that fails its checks is 4002."""


class TokenClaims(BaseModel):
    sub: str = Field(min_length=1, max_length=60)
    # The account's token version at login (users.token_version): a deactivation, a password reset
    # or a change of role, unit or extension bumps it, which revokes this token (token_check).
    ver: int = Field(ge=0)
    iat: int
    exp: int
    aud: str


@dataclass(frozen=True)
class TokenKeys:
    """The signing key (`current_id`) and every key a token may still be verified with."""

    current_id: str
    keys: Mapping[str, str]
    audience: str

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenKeys:
        keys = {**settings.token_previous_keys, settings.token_key_id: settings.token_secret}
        return cls(settings.token_key_id, MappingProxyType(keys), settings.token_audience)

    @classmethod
    def single(cls, key_id: str, secret: str, audience: str) -> TokenKeys:
        return cls(key_id, MappingProxyType({key_id: secret}), audience)


def new_claims(
    username: str, version: int, audience: str, now: datetime, ttl: timedelta = DEFAULT_TTL
) -> TokenClaims:
    issued = int(now.timestamp())
    return TokenClaims(sub=username, ver=version, iat=issued, exp=int((now + ttl).timestamp()), aud=audience)


def issue_token(keys: TokenKeys, claims: TokenClaims) -> str:
    return jwt.encode(
        claims.model_dump(),
        keys.keys[keys.current_id],
        algorithm=ALGORITHM,
        headers={"kid": keys.current_id},
    )


def verify_token(keys: TokenKeys, token: str, now: datetime) -> TokenClaims:
    """The claims of a token signed with a known key, for this audience and not expired."""
    # Whatever the client sent is untrusted text: a non-ASCII or oversized token is malformed,
    # never an error of the server.
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise MalformedToken("令牌格式错误")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise MalformedToken("令牌格式错误") from exc
    kid = header.get("kid")
    secret = keys.keys.get(kid) if isinstance(kid, str) else None
    if secret is None:
        raise InvalidToken("令牌的签名密钥未知或已停用,请重新登录")
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=keys.audience,
            options={
                "require": ["sub", "iat", "exp", "aud", "ver"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError as exc:
        raise InvalidToken("令牌不属于本系统") from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("令牌签名无效") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("令牌内容无效") from exc
    try:
        claims = TokenClaims.model_validate(payload, strict=True)
    except ValidationError as exc:
        raise InvalidToken("令牌内容无效") from exc
    # The times against the caller's clock (PyJWT would read the system's), so they can be tested.
    at = int(now.timestamp())
    if claims.exp <= at:
        raise InvalidToken("令牌已过期,请重新登录")
    if claims.iat > at + CLOCK_SKEW_S:
        raise InvalidToken("令牌签发时间无效")
    return claims

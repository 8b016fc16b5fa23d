"""Bearer tokens for the REST API and the websockets: HMAC-SHA256 over a JSON claim set.

`<base64url(claims)>.<base64url(hmac)>`, signed with `settings.token_secret`; no external JWT
library is needed for one issuer that is also the only verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from pydantic import BaseModel, ValidationError

from tickets.actors import Actor
from tickets.vocab import Role

DEFAULT_TTL = timedelta(hours=12)  # one shift


class InvalidToken(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenClaims(BaseModel):
    sub: str
    role: Role
    unit: str | None = None
    ext: str | None = None
    name: str | None = None
    exp: int
    # The user's token version at login (users.token_version): a deactivation or a password
    # reset bumps it, which revokes this token (agent_desk.api.token_check).
    ver: int = 0

    def actor(self) -> Actor:
        return Actor(username=self.sub, role=self.role, unit_code=self.unit, extension=self.ext)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest())


def issue_token(secret: str, claims: TokenClaims) -> str:
    payload = _b64(claims.model_dump_json().encode("utf-8"))
    return f"{payload}.{_sign(secret, payload)}"


def new_claims(
    actor: Actor, name: str | None, now: datetime, ttl: timedelta = DEFAULT_TTL, version: int = 0
) -> TokenClaims:
    return TokenClaims(
        sub=actor.username,
        role=actor.role,
        unit=actor.unit_code,
        ext=actor.extension,
        name=name,
        exp=int((now + ttl).timestamp()),
        ver=version,
    )


def verify_token(secret: str, token: str, now: datetime) -> TokenClaims:
    payload, sep, signature = token.partition(".")
    if not sep or not payload or not signature:
        raise InvalidToken("令牌格式错误")
    if not hmac.compare_digest(_sign(secret, payload), signature):
        raise InvalidToken("令牌签名无效")
    try:
        claims = TokenClaims.model_validate_json(_unb64(payload))
    except (ValidationError, ValueError) as exc:
        raise InvalidToken("令牌内容无效") from exc
    if claims.exp <= int(now.timestamp()):
        raise InvalidToken("令牌已过期,请重新登录")
    if claims.role == Role.SYSTEM:
        raise InvalidToken("系统角色不能通过令牌登录")
    return claims

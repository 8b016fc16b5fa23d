"""Tokens over HTTP: every bad token is a 401 with the error contract (never a 500), key rotation,
and the caller's role is the account's at each request, not the token's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis
from sqlmodel import select

from agent_desk.api.token_check import account_key
from agent_desk.api.tokens import TokenKeys, issue_token, new_claims
from agent_desk.app import create_app
from core.settings import Settings
from tests.integration.api.client import Api
from tickets.db import Database
from tickets.models import User
from tickets.vocab import Role

NOW = datetime.now(UTC)


@pytest.fixture
async def rotated(api_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The same deployment after a key rotation: new key k2, the old k1 still verifies."""
    settings = Settings.model_validate(
        {
            **api_settings.model_dump(),
            "token_key_id": "k2",
            "token_secret": "a-fresh-key-of-the-rotation-0123456789",
            "token_previous_keys": {api_settings.token_key_id: api_settings.token_secret},
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
            yield client


def bearer(token: str | bytes) -> dict[bytes, bytes]:
    """Bytes as sent on the wire: a non-ASCII token arrives as UTF-8 bytes the server reads as latin-1."""
    return {b"Authorization": b"Bearer " + (token if isinstance(token, bytes) else token.encode())}


def token_for(settings: Settings, username: str = "seat1001", **over: object) -> str:
    keys = TokenKeys.from_settings(settings)
    claims = new_claims(username, 0, settings.token_audience, NOW).model_copy(update=over)
    return issue_token(keys, claims)


async def test_every_bad_token_is_a_401_with_detail_and_code(api: Api, api_settings: Settings) -> None:
    other_keys = TokenKeys.single("k9", "another-deployments-key-0123456789", api_settings.token_audience)
    cases: list[tuple[str | bytes, str]] = [
        ("令牌".encode(), "令牌格式错误"),  # non-ASCII in the header: latin-1 text on the server
        ("eyJhbGciOiJIUzI1NiJ9.é.x".encode(), "令牌格式错误"),
        ("not-a-token", "令牌格式错误"),
        ("a.b.c", "令牌格式错误"),
        ("x" * 5000, "令牌格式错误"),
        (token_for(api_settings, exp=int((NOW - timedelta(minutes=1)).timestamp())), "过期"),
        (token_for(api_settings, aud="another-deployment"), "不属于本系统"),
        (
            issue_token(other_keys, new_claims("admin", 0, api_settings.token_audience, NOW)),
            "密钥未知或已停用",
        ),
        (token_for(api_settings)[:-3] + "AAA", "签名无效"),
        (token_for(api_settings, sub="nobody"), "停用或不存在"),
        (token_for(api_settings, ver=7), "已失效"),
    ]
    for token, why in cases:
        r = await api.client.get("/api/auth/me", headers=bearer(token))
        assert r.status_code == 401, (token, r.text)
        assert r.json()["code"] == "unauthorized", (token, r.json())
        assert why in r.json()["detail"], (token, r.json())
        assert r.headers["WWW-Authenticate"] == "Bearer"
    r = await api.client.get("/api/auth/me")
    assert (r.status_code, r.json()["detail"]) == (401, "未登录:缺少访问令牌")
    r = await api.client.get("/api/tickets", headers={"Authorization": "Basic c2VhdDpkZW1v"})
    assert (r.status_code, r.json()["detail"]) == (401, "未登录:缺少访问令牌")
    # The same token, well made, opens the API.
    assert (await api.client.get("/api/auth/me", headers=bearer(token_for(api_settings)))).status_code == 200


async def test_tokens_of_the_previous_key_work_after_rotation(
    api: Api, api_settings: Settings, rotated: httpx.AsyncClient
) -> None:
    old = await api.token("seat1001")  # signed with k1, before the rotation
    assert (await rotated.get("/api/auth/me", headers=bearer(old))).status_code == 200
    login = await rotated.post("/api/auth/login", json={"username": "seat1002", "password": "demo12345"})
    new = login.json()["access_token"]
    assert (await rotated.get("/api/auth/me", headers=bearer(new))).status_code == 200
    # The deployment before the rotation does not know k2.
    r = await api.client.get("/api/auth/me", headers=bearer(new))
    assert r.status_code == 401 and "密钥未知或已停用" in r.json()["detail"]


async def test_a_removed_key_ends_its_tokens(api: Api, api_settings: Settings) -> None:
    old = await api.token("seat1001")
    settings = Settings.model_validate(
        {
            **api_settings.model_dump(),
            "token_key_id": "k2",
            "token_secret": "the-only-key-now-0123456789abcdef",
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
            r = await client.get("/api/auth/me", headers=bearer(old))
            assert r.status_code == 401 and "密钥未知或已停用" in r.json()["detail"]


async def test_the_role_is_the_accounts_at_each_request_not_the_tokens(
    api: Api, api_settings: Settings, redis_prefix: str
) -> None:
    token = await api.token("seat1001")
    me = await api.client.get("/api/auth/me", headers=bearer(token))
    assert (me.json()["role"], me.json()["extension"]) == ("seat", "1001")
    assert (await api.client.get("/api/supervision/board", headers=bearer(token))).status_code == 200
    # A change made behind the admin API's back (no token version bump) ...
    db = Database(api_settings.database_url, pool_size=1)
    try:
        with db.session() as session:
            user = session.exec(select(User).where(User.username == "seat1001")).one()
            user.role = Role.AUDITOR
            user.extension = None
            session.add(user)
            session.commit()
    finally:
        db.dispose()
    # ... applies once the cached account expires (forced here instead of waiting CACHE_TTL_S).
    redis = Redis.from_url(api_settings.redis_url)
    try:
        await redis.delete(account_key(redis_prefix, "seat1001"))
    finally:
        await redis.aclose()
    me = await api.client.get("/api/auth/me", headers=bearer(token))
    assert me.status_code == 200
    assert (me.json()["role"], me.json()["extension"]) == ("auditor", None)
    # The old token no longer opens what a seat may do.
    assert (await api.client.get("/api/supervision/board", headers=bearer(token))).status_code == 403


async def test_a_role_change_by_the_admin_revokes_the_old_token_at_once(api: Api) -> None:
    token = await api.token("seat1002")
    r = await api.call(
        "admin", "PATCH", "/api/admin/users/seat1002", json={"role": "auditor", "extension": None}
    )
    assert r.status_code == 200, r.text
    r = await api.client.get("/api/auth/me", headers=bearer(token))
    assert r.status_code == 401 and "已失效" in r.json()["detail"]

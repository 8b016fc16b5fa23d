"""Accounts over HTTP: deactivation and password reset revoke tokens at once (REST and websocket),
the admin API with its audit trail, and who may read the supervision board. Login limits:
test_api_login_limit.py; tokens themselves: test_api_tokens.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import connect

from agent_desk.app import create_app
from agent_desk.ws.protocol import CloseCode
from core.settings import Settings
from tests.integration.api.client import Api

PASSWORD = "demo12345"


async def login(api: Api, user: str, password: str = PASSWORD) -> httpx.Response:
    return await api.client.post("/api/auth/login", json={"username": user, "password": password})


async def me(api: Api, token: str) -> httpx.Response:
    return await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})


async def audit(api: Api, subject: str) -> list[tuple[str, str, str]]:
    r = await api.get("admin", "/api/audit", params={"subject": subject})
    assert r.status_code == 200, r.text
    return sorted((e["action"], e["actor"], e["note"]) for e in r.json())


# ---- supervision board ----------------------------------------------------------------------------
async def test_admin_reads_the_supervision_board_but_does_not_supervise(api: Api) -> None:
    created = await api.post(
        "seat1001",
        "/api/tickets",
        {
            "channel": "phone",
            "type": "求助",
            "urgency": "紧急",
            "category_code": "urban.streetlight",
            "content": "主干道路灯整排熄灭,存在安全隐患",
            "citizen_phone": "13812345678",
        },
    )
    assert created.status_code in (200, 201), created.text
    no = created.json()["ticket_no"]
    for user in ("admin", "supervisor", "seat1001"):
        r = await api.get(user, "/api/supervision/board", params={"soon_hours": 1})
        assert r.status_code == 200, (user, r.text)
        items = [i["ticket_no"] for b in r.json() for i in b["overdue"] + b["due_soon"]]
        assert no in items
    assert (await api.get("unit-dept-urban", "/api/supervision/board")).status_code == 403
    assert (await api.get("auditor", "/api/supervision/board")).status_code == 403
    # Reading is all: supervising stays with the centre's supervisors.
    r = await api.post("admin", f"/api/tickets/{no}/supervise", {"note": "催办"})
    assert r.status_code == 403


# ---- deactivation ---------------------------------------------------------------------------------
async def test_deactivation_revokes_tokens_at_once_and_reactivation_needs_a_new_login(api: Api) -> None:
    token = await api.token("seat1001")
    assert (await me(api, token)).status_code == 200
    r = await api.post("admin", "/api/admin/users/seat1001/deactivate", {"note": "离职"})
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    refused = await me(api, token)
    assert refused.status_code == 401 and "停用" in refused.json()["detail"]
    assert (await login(api, "seat1001")).status_code == 401
    r = await api.post("admin", "/api/admin/users/seat1001/reactivate", {"note": "返岗"})
    assert r.status_code == 200 and r.json()["active"] is True
    # The token from before the deactivation stays dead; a new login works.
    stale = await me(api, token)
    assert stale.status_code == 401 and "重新登录" in stale.json()["detail"]
    fresh = await login(api, "seat1001")
    assert fresh.status_code == 200
    assert (await me(api, fresh.json()["access_token"])).status_code == 200
    assert await audit(api, "seat1001") == [
        ("user_deactivate", "admin", "离职"),
        ("user_reactivate", "admin", "返岗"),
    ]


async def test_deactivation_applies_even_when_the_cache_was_warm_and_is_idempotent(api: Api) -> None:
    token = await api.token("supervisor")
    for _ in range(3):  # the account state is now cached in Redis
        assert (await me(api, token)).status_code == 200
    assert (await api.post("admin", "/api/admin/users/supervisor/deactivate", {})).status_code == 200
    assert (await me(api, token)).status_code == 401
    # Deactivating again changes nothing and logs nothing.
    assert (await api.post("admin", "/api/admin/users/supervisor/deactivate", {})).status_code == 200
    assert [a for a, _, _ in await audit(api, "supervisor")] == ["user_deactivate"]


async def test_only_admins_manage_accounts(api: Api) -> None:
    for user in ("supervisor", "seat1001", "auditor", "unit-dept-urban"):
        r = await api.post(user, "/api/admin/users/seat1002/deactivate", {})
        assert r.status_code == 403, user
        assert (await api.get(user, "/api/admin/users")).status_code == 403
    r = await api.post("admin", "/api/admin/users/admin/deactivate", {})
    assert r.status_code == 422 and "自己" in r.json()["detail"]
    r = await api.post("admin", "/api/admin/users/nobody/deactivate", {})
    assert r.status_code == 404 and "nobody" in r.json()["detail"]
    r = await api.post("admin", "/api/admin/users/seat1002/password", {"new_password": "short"})
    assert r.status_code == 422
    listed = await api.get("admin", "/api/admin/users")
    assert listed.status_code == 200
    users = {u["username"]: u for u in listed.json()}
    assert users["seat1002"]["active"] is True and "password_hash" not in users["seat1002"]
    assert (await login(api, "seat1002")).status_code == 200  # nothing changed


# ---- password reset -------------------------------------------------------------------------------
async def test_password_reset_revokes_old_tokens_and_is_audited_without_the_password(api: Api) -> None:
    token = await api.token("seat1002")
    r = await api.post(
        "admin", "/api/admin/users/seat1002/password", {"new_password": "新密码-2026x", "note": "本人申请"}
    )
    assert r.status_code == 200, r.text
    assert (await me(api, token)).status_code == 401
    assert (await login(api, "seat1002")).status_code == 401
    fresh = await login(api, "seat1002", "新密码-2026x")
    assert fresh.status_code == 200
    assert (await me(api, fresh.json()["access_token"])).status_code == 200
    entries = await audit(api, "seat1002")
    assert entries == [("password_reset", "admin", "本人申请")]
    assert "新密码" not in json.dumps(entries, ensure_ascii=False)


async def test_a_weak_password_reset_is_refused_and_changes_nothing(api: Api) -> None:
    token = await api.token("seat1003")
    for weak, reason in (("12345678", "密码太弱"), ("seat1003", "用户名"), ("abc-seat1003", "用户名")):
        r = await api.post("admin", "/api/admin/users/seat1003/password", {"new_password": weak})
        assert r.status_code == 422 and reason in r.json()["detail"], (weak, r.text)
        assert r.json()["code"]
    assert (await me(api, token)).status_code == 200  # not revoked
    assert (await login(api, "seat1003")).status_code == 200
    assert await audit(api, "seat1003") == []


# ---- websocket ------------------------------------------------------------------------------------
@pytest.fixture
async def served(api_settings: Settings) -> AsyncIterator[str]:
    """The whole web role (REST + websocket) on a real uvicorn on loopback."""
    config = uvicorn.Config(
        create_app(api_settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(1000):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_deactivation_ends_the_websocket_session_at_its_next_message(served: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{served}") as http:
        api = Api(http)
        token = await api.token("seat1001")
        async with connect(f"ws://{served}/ws?token={token}") as ws:
            hello = json.loads(await ws.recv())
            assert hello["op"] == "hello"
            await ws.send(json.dumps({"op": "ping", "data": {"t": 1}}))
            while (frame := json.loads(await ws.recv()))["op"] != "pong":
                pass
            assert frame["data"] == {"t": 1}
            r = await api.post("admin", "/api/admin/users/seat1001/deactivate", {})
            assert r.status_code == 200
            await ws.send(json.dumps({"op": "ping", "data": {"t": 2}}))
            with pytest.raises(Exception):  # noqa: B017 - the server closes: ConnectionClosed
                while True:
                    await ws.recv()
            assert ws.close_code == CloseCode.AUTH_FAILED
        # A new connection with the old token is refused too.
        async with connect(f"ws://{served}/ws?token={token}") as ws:
            with pytest.raises(Exception):  # noqa: B017
                while True:
                    await ws.recv()
            assert ws.close_code == CloseCode.AUTH_FAILED

"""The unit portal's live topic end to end: the real app under uvicorn, real Redis, SQLite.

The centre dispatches through the REST API; the lead unit's handler, subscribed to its
`unit:<code>` topic, gets a delta without personal data; another unit's handler gets nothing
about that ticket, and may not join the first unit's topic.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect

from agent_desk.app import create_app
from agent_desk.ws.protocol import CloseCode
from core.settings import Settings
from tests.integration.ws.conftest import close_code, recv_op, wait_until
from tickets import unit_events
from tickets.migrate import seed_demo, upgrade

INTAKE: dict[str, Any] = {
    "channel": "web",
    "type": "求助",
    "category_code": "urban.streetlight",
    "content": "和平里小区门口路灯不亮",
    "citizen_name": "张三",
    "citizen_phone": "13812345678",
    "citizen_address": "东城区和平里北街1号",
    "consent_disclosure": True,
}
PERSONAL = ("张三", "13812345678", "和平里北街")


@dataclass
class App:
    http: httpx.AsyncClient
    ws_base: str
    tokens: dict[str, str]

    async def token(self, user: str) -> str:
        if user not in self.tokens:
            r = await self.http.post("/api/auth/login", json={"username": user, "password": "demo12345"})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return self.tokens[user]

    async def post(self, user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.http.post(
            path, json=body, headers={"Authorization": f"Bearer {await self.token(user)}"}
        )
        assert r.status_code in (200, 201), r.text
        out: dict[str, Any] = r.json()
        return out

    async def subscribe(self, user: str, topic: str) -> ClientConnection:
        ws = await connect(f"{self.ws_base}/ws?token={await self.token(user)}")
        await recv_op(ws, "hello")
        await ws.send(json.dumps({"op": "subscribe", "data": {"topic": topic}}))
        return ws


@pytest.fixture
async def app(settings: Settings, redis: Redis) -> AsyncIterator[App]:
    await asyncio.to_thread(upgrade, settings.database_url)
    await asyncio.to_thread(seed_demo, settings)
    web = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started, "uvicorn started")
    port = server.servers[0].sockets[0].getsockname()[1]
    # Deltas published before the bridge listens would be lost to this test, not to the portal.
    await asyncio.wait_for(web.state.ws.bridge.ready.wait(), 5)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            yield App(http, f"ws://127.0.0.1:{port}", {})
    finally:
        server.should_exit = True
        await task


async def _new_ticket(app: App, lead: str) -> str:
    no: str = (await app.post("seat1001", "/api/tickets", INTAKE))["ticket_no"]
    await app.post("seat1001", f"/api/tickets/{no}/dispatch", {"lead_unit_code": lead})
    return no


async def test_dispatch_reaches_the_lead_units_portal_only(app: App) -> None:
    urban = await app.subscribe("unit-dept-urban", "unit:dept-urban")
    env = await app.subscribe("unit-dept-env", "unit:dept-env")
    try:
        snap = (await recv_op(urban, "snapshot"))["data"]
        # No tickets in the snapshot: the portal reads them through the privacy-checked REST API.
        assert (snap["topic"], snap["state"]["fetch"], snap["state"]["tickets"]) == (
            "unit:dept-urban",
            "rest",
            None,
        )
        await recv_op(env, "snapshot")

        urban_no = await _new_ticket(app, "dept-urban")
        raw = await urban.recv()
        frame = json.loads(raw)
        assert frame["op"] == "delta"
        delta = frame["data"]
        assert (delta["topic"], delta["op"]) == ("unit:dept-urban", "ticket")
        data = delta["data"]
        assert (data["ticket_no"], data["action"], data["status"]) == (urban_no, "dispatch", "dispatched")
        assert (data["unit_code"], data["assigned"], data["role"]) == ("dept-urban", True, "lead")
        assert data["complete_due"] is not None
        assert not any(p in str(raw) for p in PERSONAL), raw
        assert set(data) == {
            "unit_code",
            "ticket_no",
            "action",
            "status",
            "status_label",
            "assigned",
            "role",
            "urgency",
            "response_due",
            "complete_due",
            "overdue",
            "supervision_level",
            "priority",
        }

        # The other unit hears of its own ticket first: nothing about dept-urban's came before it.
        env_no = await _new_ticket(app, "dept-env")
        first = (await recv_op(env, "delta"))["data"]
        assert (first["topic"], first["data"]["ticket_no"]) == ("unit:dept-env", env_no)

        # Return approved and re-dispatched: the old lead is told the ticket left it, the new
        # lead that it arrived.
        await app.post("unit-dept-urban", f"/api/tickets/{urban_no}/return", {"reason": "属于生态环境局职责"})
        asked = (await recv_op(urban, "delta"))["data"]["data"]
        assert (asked["ticket_no"], asked["action"], asked["assigned"]) == (urban_no, "ask_return", True)
        await app.post(
            "supervisor",
            f"/api/tickets/{urban_no}/return/decision",
            {"approve": True, "new_lead_unit_code": "dept-env"},
        )
        gone = (await recv_op(urban, "delta"))["data"]["data"]
        came = (await recv_op(env, "delta"))["data"]["data"]
        assert (gone["ticket_no"], gone["assigned"], gone["role"]) == (urban_no, False, None)
        assert (came["ticket_no"], came["assigned"], came["role"]) == (urban_no, True, "lead")
    finally:
        await urban.close()
        await env.close()


async def test_a_unit_handler_may_not_join_another_units_topic(app: App) -> None:
    ws = await app.subscribe("unit-dept-env", "unit:dept-urban")
    try:
        assert await close_code(ws) == CloseCode.FORBIDDEN
    finally:
        await ws.close()


async def test_a_redis_failure_never_fails_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    # Nothing listens on port 1: the publish fails the way it does when Redis is down.
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    delta = unit_events.UnitDelta(
        unit_code="dept-urban",
        ticket_no="12345-20261122-000001",
        action="dispatch",
        status="dispatched",
        status_label="待签收",
        assigned=True,
        role="lead",
        urgency="普通",
        response_due=None,
        complete_due=None,
        overdue=False,
        supervision_level=0,
        priority=0,
    )
    try:
        assert await unit_events.publish(down, "p:", [delta]) == 0
    finally:
        await down.aclose()
    assert "not published" in caplog.text

"""Roles on the live side, through the whole web role (REST login, then the websocket): only
supervisors act on others' calls, admins see no caller's number, the wallboard is masked for all,
and a bad token closes the websocket."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect

from agent_desk.ws.protocol import CloseCode
from callflow.notifier import wallboard_channel
from callflow.store import Keys
from callflow.views import SeatView
from core.settings import Settings
from tests.integration.api.client import Api
from tests.integration.api.test_api_accounts import served  # noqa: F401 - the fixture

NUMBER = "13812345678"


async def close_code(ws: ClientConnection) -> int | None:
    try:
        while True:
            await ws.recv()
    except Exception:
        pass
    return ws.close_code


async def frame(ws: ClientConnection, op: str) -> dict[str, Any]:
    while (got := json.loads(await ws.recv()))["op"] != op:
        pass
    data: dict[str, Any] = got["data"]
    return data


async def put_seat(settings: Settings) -> None:
    seat = SeatView(
        ext="1001", name="坐席1001", state="talking", since=datetime.now(UTC), linkedid="L1", caller=NUMBER
    )
    redis = Redis.from_url(settings.redis_url)
    try:
        await redis.hset(Keys(settings.redis_prefix).seats, "1001", seat.model_dump_json())
    finally:
        await redis.aclose()


async def test_admin_may_not_spy_or_hang_up_a_supervisor_may(served: str) -> None:  # noqa: F811
    async with httpx.AsyncClient(base_url=f"http://{served}") as http:
        api = Api(http)
        admin = await api.token("admin")
        for name, args in (
            ("spy", {"supervisor": "1003", "seat": "1001", "mode": "barge"}),
            ("hangup", {"seat": "1001"}),
            ("not_ready", {"seat": "1001", "reason": "培训"}),
        ):
            async with connect(f"ws://{served}/ws?token={admin}") as ws:
                await frame(ws, "hello")
                await ws.send(json.dumps({"op": "command", "data": {"id": "c1", "name": name, "args": args}}))
                assert await close_code(ws) == CloseCode.FORBIDDEN, name
        supervisor = await api.token("supervisor")
        async with connect(f"ws://{served}/ws?token={supervisor}") as ws:
            await frame(ws, "hello")
            await ws.send(
                json.dumps(
                    {"op": "command", "data": {"id": "c2", "name": "hangup", "args": {"seat": "1001"}}}
                )
            )
            result = await frame(ws, "result")  # let through; no call on that line here
            assert result["id"] == "c2" and result["ok"] is False and "通话" in result["error"]


async def test_admin_sees_no_number_and_the_wallboard_is_masked_for_all(
    served: str,  # noqa: F811
    api_settings: Settings,
) -> None:
    await put_seat(api_settings)
    async with httpx.AsyncClient(base_url=f"http://{served}") as http:
        api = Api(http)
        admin = await api.token("admin")
        async with connect(f"ws://{served}/ws?token={admin}") as ws:
            await frame(ws, "hello")
            await ws.send(json.dumps({"op": "subscribe", "data": {"topic": "seat:1001"}}))
            assert await close_code(ws) == CloseCode.FORBIDDEN  # a seat's desk shows its caller
        for user in ("admin", "supervisor"):
            token = await api.token(user)
            async with connect(f"ws://{served}/ws?token={token}") as ws:
                await frame(ws, "hello")
                await ws.send(json.dumps({"op": "subscribe", "data": {"topic": "wallboard"}}))
                snapshot = await frame(ws, "snapshot")
                seats = snapshot["state"]["seats"]
                assert [s["caller"] for s in seats] == ["138****5678"], user
                redis = Redis.from_url(api_settings.redis_url)
                try:
                    alert = {
                        "kind": "watch_caller",
                        "linkedid": "L2",
                        "caller": "13900001111",
                        "queue": "q-watch",
                    }
                    await redis.publish(
                        wallboard_channel(api_settings.redis_prefix),
                        json.dumps({"op": "alert", "data": alert}),
                    )
                finally:
                    await redis.aclose()
                delta = await frame(ws, "delta")
                assert delta["data"]["caller"] == "139****1111", user
                assert NUMBER not in json.dumps(snapshot) + json.dumps(delta)
        # The seat's own desk keeps the number of its own call.
        seat = await api.token("seat1001")
        async with connect(f"ws://{served}/ws?token={seat}") as ws:
            await frame(ws, "hello")
            await ws.send(json.dumps({"op": "subscribe", "data": {"topic": "seat:1001"}}))
            assert (await frame(ws, "snapshot"))["state"]["seat"]["caller"] == NUMBER


async def test_a_malformed_or_non_ascii_token_closes_the_websocket(served: str) -> None:  # noqa: F811
    # Issue 11: a malformed token is no token (4001); 4002 stays for real tokens that fail a check.
    for token in ("令牌", "a.b.c", "not-a-token", "eyJ" + "é" * 10):
        async with connect(f"ws://{served}/ws?token={quote(token)}") as ws:
            assert await close_code(ws) == CloseCode.AUTH_REQUIRED, token
        async with connect(f"ws://{served}/ws") as ws:
            await ws.send(json.dumps({"op": "auth", "data": {"token": token}}))
            assert await close_code(ws) == CloseCode.AUTH_REQUIRED, token

"""A real uvicorn on loopback serving the websocket layer, with a real Redis behind its bridge."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection

from agent_desk.ws.access import AuthError, Principal
from agent_desk.ws.bridge import RedisBridge, Routed
from agent_desk.ws.fastpath import FanoutWebSocketProtocol
from agent_desk.ws.hub import Hub
from agent_desk.ws.routes import ws_router
from agent_desk.ws.service import WsService
from agent_desk.ws.session import CommandError, SessionConfig, SessionDeps
from tests.conftest import REDIS_URL

USERS = {
    "tok-sup": Principal(username="supervisor", role="supervisor", display_name="值班长"),
    "tok-1001": Principal(username="seat1001", role="seat", extension="1001"),
    "tok-1002": Principal(username="seat1002", role="seat", extension="1002"),
    "tok-unit": Principal(username="unit-water", role="unit_handler", unit_codes=frozenset({"water"})),
}


@dataclass
class Harness:
    url: str
    hub: Hub
    redis: Redis
    prefix: str
    bridge: RedisBridge
    tokens: dict[str, Principal]
    snapshots: list[str] = field(default_factory=list)
    commands: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def ws_url(self, **query: str) -> str:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        return f"{self.url}/ws" + (f"?{qs}" if qs else "")

    async def publish(self, topic: str, op: str, data: Any) -> None:
        await self.redis.publish(f"{self.prefix}live:{topic}", json.dumps({"op": op, "data": data}))


def _route(prefix: str) -> Callable[[str, dict[str, Any]], list[Routed]]:
    head = f"{prefix}live:"

    def route(channel: str, message: dict[str, Any]) -> list[Routed]:
        return [Routed(channel[len(head) :], message["op"], message.get("data"))]

    return route


async def wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Polls a server-side condition the client cannot observe directly (bounded, not timed)."""
    for _ in range(1000):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await ws.recv())
    return frame


async def recv_op(ws: ClientConnection, op: str) -> dict[str, Any]:
    """Next frame with this op, skipping heartbeats."""
    while True:
        frame = await recv(ws)
        if frame["op"] == op:
            return frame
        assert frame["op"] == "ping", frame


async def close_code(ws: ClientConnection) -> int | None:
    """Reads until the server closes, returns its close code."""
    try:
        while True:
            await ws.recv()
    except Exception:
        pass
    return ws.close_code


@pytest.fixture
def session_config() -> SessionConfig:
    return SessionConfig(heartbeat_s=30.0, auth_timeout_s=5.0, outbox_limit=64)


@pytest.fixture
def replay_size() -> int:
    return 16


@pytest.fixture(params=["fastpath", "asgi"])
def ws_impl(request: pytest.FixtureRequest) -> str:
    """`fastpath`: uvicorn with FanoutWebSocketProtocol (frames written straight to the socket);
    `asgi`: uvicorn's stock protocol, every frame through ASGI `send`."""
    impl: str = request.param
    return impl


@pytest.fixture
async def harness(
    redis: Redis, redis_prefix: str, session_config: SessionConfig, replay_size: int, ws_impl: str
) -> AsyncIterator[Harness]:
    hub = Hub(replay_size=replay_size)
    tokens = dict(USERS)
    bridge_redis = Redis.from_url(REDIS_URL, client_name=f"wsbridge-{redis_prefix.strip(':')}")
    bridge = RedisBridge(bridge_redis, hub, [f"{redis_prefix}live:*"], _route(redis_prefix), retry_max_s=0.2)
    snapshots: list[str] = []
    commands: list[tuple[str, str, dict[str, Any]]] = []

    async def authenticate(token: str) -> Principal:
        who = tokens.get(token)
        if who is None:
            raise AuthError("令牌无效或已过期")
        return who

    async def snapshot(topic: str, who: Principal) -> dict[str, Any]:
        snapshots.append(topic)
        return {"topic": topic, "for": who.username, "seq_seen": hub.seq(topic)}

    async def run_command(who: Principal, name: str, args: dict[str, Any]) -> dict[str, Any]:
        commands.append((who.username, name, args))
        if args.get("fail"):
            raise CommandError("分机忙")
        return {"done": name}

    async def build(_app: Any) -> WsService:
        deps = SessionDeps(hub, authenticate, snapshot, run_command, session_config)
        return WsService(deps, bridge)

    app = FastAPI()
    app.include_router(ws_router(build))
    protocol: Any = FanoutWebSocketProtocol if ws_impl == "fastpath" else "websockets-sansio"
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        ws=protocol,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started, "uvicorn started")
    port = server.servers[0].sockets[0].getsockname()[1]
    await asyncio.wait_for(bridge.ready.wait(), 5)
    h = Harness(f"ws://127.0.0.1:{port}", hub, redis, redis_prefix, bridge, tokens, snapshots, commands)
    try:
        yield h
    finally:
        server.should_exit = True
        await task
        await bridge_redis.aclose()

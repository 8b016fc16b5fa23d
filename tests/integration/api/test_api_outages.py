"""Outages of the database and of Redis answer 503 with Retry-After, change nothing, and the
service recovers by itself when the engine is back (issue 12).

PostgreSQL is reached through a TCP proxy the test owns and cuts (never the shared server);
SQLite is locked by another connection holding the write lock; Redis is a redis-server the test
starts on a free port and kills. Each request runs under a generous guard so that a regression
(a request hanging on the outage) fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import make_url

from agent_desk.api.deps import RedisDep
from agent_desk.app import ROUTERS, create_app
from core.settings import Settings
from tests.integration.api.client import Api
from tests.integration.tickets.helpers import isolated_url, seeded

INTAKE = {"channel": "phone", "type": "求助", "content": "路灯不亮", "citizen_phone": "13812345678"}
GUARD_S = 60  # far above every configured timeout: only a hang reaches it


async def guarded(request: Any) -> httpx.Response:
    async with asyncio.timeout(GUARD_S):
        response: httpx.Response = await request
        return response


def assert_unavailable(r: httpx.Response, code: str) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["code"] == code and "稍后重试" in r.json()["detail"]
    assert int(r.headers["Retry-After"]) > 0


@contextlib.asynccontextmanager
async def serve(settings: Settings, routers: list[APIRouter] | None = None) -> AsyncIterator[Api]:
    app = create_app(settings, routers=routers)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
            yield Api(client)


async def ticket_count(api: Api) -> int:
    r = await guarded(api.get("supervisor", "/api/tickets", params={"limit": 500}))
    assert r.status_code == 200, r.text
    return len(r.json())


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `blackhole()` accepts and stays silent (a network
    that swallows packets), `close()` stops listening (connection refused), `forward()` heals."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.mode = "forward"
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self.mode != "forward":
            return  # accepted, never answered
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        # Closing the proxy cancels its handlers: the end of the test, not an error.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def _drop_connections(self) -> None:
        for w in list(self._writers):
            w.close()
        self._writers.clear()

    def blackhole(self) -> None:
        self.mode = "blackhole"
        self._drop_connections()

    async def close(self) -> None:
        self._drop_connections()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def forward(self) -> None:
        self.mode = "forward"
        if self._server is None:
            await self.start()


@pytest.fixture
def pg_url(postgres_database: str) -> Iterator[str]:
    with isolated_url(postgres_database) as url:
        yield url


@pytest.mark.postgres
async def test_postgresql_outage_answers_503_writes_nothing_and_recovers(
    settings: Settings, pg_url: str
) -> None:
    seeded(settings, pg_url)
    url = make_url(pg_url)
    proxy = TcpProxy(url.port or 5432)
    await proxy.start()
    via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    app_settings = settings.model_copy(update={"database_url": via_proxy, "db_timeout_s": 2.0})
    try:
        async with serve(app_settings) as api:
            before = await ticket_count(api)
            await api.token("seat1001")
            # Packets swallowed: the connect timeout ends the wait (without it: a hang).
            proxy.blackhole()
            unavailable = "database_unavailable"
            assert_unavailable(await guarded(api.post("seat1001", "/api/tickets", INTAKE)), unavailable)
            assert_unavailable(await guarded(api.get("supervisor", "/api/tickets")), unavailable)
            # Nothing listens: refused at once.
            await proxy.close()
            assert_unavailable(await guarded(api.post("seat1001", "/api/tickets", INTAKE)), unavailable)
            # Back: the pool replaces its broken connections by itself.
            await proxy.forward()
            assert await ticket_count(api) == before  # nothing was half-written
            r = await guarded(api.post("seat1001", "/api/tickets", INTAKE))
            assert r.status_code == 201, r.text
            assert await ticket_count(api) == before + 1
    finally:
        await proxy.close()


async def test_sqlite_locked_by_another_writer_answers_503_then_recovers(settings: Settings) -> None:
    app_settings = seeded(settings, settings.database_url).model_copy(update={"db_timeout_s": 0.5})
    path = make_url(app_settings.database_url).database
    assert path is not None
    async with serve(app_settings) as api:
        before = await ticket_count(api)
        await api.token("seat1001")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # holds the write lock, as a long transaction would
        try:
            r = await guarded(api.post("seat1001", "/api/tickets", INTAKE))
            assert_unavailable(r, "database_unavailable")
        finally:
            holder.rollback()
            holder.close()
        assert await ticket_count(api) == before
        r = await guarded(api.post("seat1001", "/api/tickets", INTAKE))
        assert r.status_code == 201, r.text
        assert await ticket_count(api) == before + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RedisServer:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def start(self) -> None:
        self._spawn()
        for _ in range(200):  # until it accepts connections
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


# A route that needs Redis and has no fallback: how such a route answers while Redis is down.
probe = APIRouter()


@probe.get("/api/test-probe/redis")
async def redis_probe(redis: RedisDep) -> dict[str, bool]:
    return {"pong": bool(await redis.ping())}


async def test_redis_outage_answers_503_or_degrades_and_recovers(settings: Settings, tmp_path: Path) -> None:
    server = RedisServer(free_port(), tmp_path)
    await server.start()
    app_settings = seeded(settings, settings.database_url).model_copy(
        update={"redis_url": f"redis://127.0.0.1:{server.port}/0", "redis_timeout_s": 1.0}
    )
    try:
        async with serve(app_settings, routers=[*ROUTERS, probe]) as api:
            assert (await guarded(api.get(None, "/api/test-probe/redis"))).json() == {"pong": True}
            server.kill()
            assert_unavailable(await guarded(api.get(None, "/api/test-probe/redis")), "redis_unavailable")
            # The REST API's own Redis uses have fallbacks: login and token checks go on.
            login = {"username": "seat1001", "password": "demo12345"}
            r = await guarded(api.post(None, "/api/auth/login", login))
            assert r.status_code == 200, r.text
            r = await guarded(api.post("seat1001", "/api/tickets", INTAKE))
            assert r.status_code == 201, r.text
            await server.start()
            assert (await guarded(api.get(None, "/api/test-probe/redis"))).json() == {"pong": True}
    finally:
        server.kill()


async def test_redis_at_a_closed_port_degrades_the_login_not_to_a_500(settings: Settings) -> None:
    app_settings = seeded(settings, settings.database_url).model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/0", "redis_timeout_s": 1.0}
    )
    async with serve(app_settings, routers=[*ROUTERS, probe]) as api:
        login = {"username": "supervisor", "password": "demo12345"}
        r = await guarded(api.post(None, "/api/auth/login", login))
        assert r.status_code == 200, r.text
        assert (await guarded(api.get("supervisor", "/api/tickets"))).status_code == 200
        assert_unavailable(await guarded(api.get(None, "/api/test-probe/redis")), "redis_unavailable")

"""One app, one Redis prefix and one set of fixtures per database for the whole matrix module.

The app runs in a real uvicorn on loopback (REST and websockets alike, with the fast path the
`hotline serve` web role uses), over a real Redis and SQLite or PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from redis.asyncio import Redis

from agent_desk.app import create_app
from agent_desk.ws.fastpath import FanoutWebSocketProtocol
from core.settings import Settings
from tests.conftest import REDIS_URL
from tests.integration.privacy.scan import REPORT
from tests.integration.privacy.scenario import Client, World, build
from tests.integration.tickets.helpers import isolated_url, seeded


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The matrix's case counts at the end of the run (README: "Privacy matrix")."""
    if REPORT:
        terminalreporter.section("privacy matrix")
        for line, _cases in REPORT:
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"total: {sum(cases for _, cases in REPORT)} cases")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def matrix_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('privacy') / 'tickets.db'}"
        return
    base: str = request.getfixturevalue("postgres_database")
    with isolated_url(base) as url:
        yield url


@pytest.fixture(scope="module")
def matrix_settings(matrix_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root: Path = tmp_path_factory.mktemp("privacy-data")
    settings = Settings(
        data_dir=root,
        database_url=matrix_db_url,
        redis_url=REDIS_URL,
        redis_prefix=f"test:{uuid.uuid4().hex[:12]}:",
        recordings_dir=root / "recordings",
        prompts_dir=root / "prompts",
    )
    return seeded(settings, matrix_db_url)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(matrix_settings: Settings) -> AsyncIterator[World]:
    redis = Redis.from_url(REDIS_URL)
    app = create_app(matrix_settings)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
            ws=FanoutWebSocketProtocol, timeout_graceful_shutdown=5,
        )
    )  # fmt: skip
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    # The websocket bridge listens before anything is published (the live deltas, the sentinels).
    await asyncio.wait_for(app.state.ws.bridge.ready.wait(), 10)
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            api = Client(http)
            fx = await build(matrix_settings, redis, api)
            yield World(matrix_settings, redis, api, fx, base, app.openapi())
    finally:
        server.should_exit = True
        await task
        async for key in redis.scan_iter(match=f"{matrix_settings.redis_prefix}*", count=500):
            await redis.delete(key)
        await redis.aclose()

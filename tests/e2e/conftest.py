"""The fixtures of the browser tests: the whole web stack (`web`) and a headless Chromium."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, async_playwright
from redis.asyncio import Redis

from agent_desk.app import create_app
from agent_desk.ws.fastpath import FanoutWebSocketProtocol
from core.settings import Settings
from tests.contract.callflow_harness import CallflowHarness
from tests.e2e.stack import CHROMIUM, CHROMIUM_ARGS, Stack
from tickets.db import Database
from tickets.migrate import seed_demo, upgrade
from tickets.writer import run_ticket_writer


@pytest.fixture
def capture_name() -> str:
    return "answered_call"


@pytest.fixture
async def web(settings: Settings, redis: Redis, captures: Path, capture_name: str) -> AsyncIterator[Stack]:
    await asyncio.to_thread(upgrade, settings.database_url)
    await asyncio.to_thread(seed_demo, settings)
    db = Database(settings.database_url)
    async with CallflowHarness(captures / capture_name, settings, redis) as harness:
        # The citizen's call waits until the seat's desk is up.
        harness.server.hold_before("Newchannel")
        # The worker role: finished calls become call records in the database (the wallboard charts).
        writer = asyncio.create_task(run_ticket_writer(harness.settings, redis, db, "e2e", retry_delay_s=0.1))
        app = create_app(harness.settings)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            ws=FanoutWebSocketProtocol,
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        for _ in range(1000):
            if server.started:
                break
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield Stack(f"http://127.0.0.1:{port}", harness, db)
        finally:
            server.should_exit = True
            await task
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            db.dispose()


@pytest.fixture
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()

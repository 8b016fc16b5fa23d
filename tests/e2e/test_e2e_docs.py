"""/docs and /redoc render the API in a real headless Chromium that may reach nothing but the app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.async_api import Browser, Page, Route, expect

from agent_desk.app import create_app
from core.settings import Settings
from tests.e2e.stack import WAIT_MS, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
async def base_url(settings: Settings) -> AsyncIterator[str]:
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def offline_page(browser: Browser, base: str) -> tuple[Page, list[tuple[str, str]]]:
    """A page whose every request to another host is refused (a centre network without Internet);
    the refused requests are returned as (resource type, URL)."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    host = urlsplit(base).netloc
    refused: list[tuple[str, str]] = []

    async def only_the_app(route: Route) -> None:
        if urlsplit(route.request.url).netloc == host:
            await route.continue_()
        else:
            refused.append((route.request.resource_type, route.request.url))
            await route.abort()

    await context.route("**/*", only_the_app)
    page = await context.new_page()
    return page, refused


async def test_swagger_ui_renders_the_operations_offline(base_url: str, browser: Browser) -> None:
    page, refused = await offline_page(browser, base_url)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(f"{base_url}/docs")
    login = page.locator(".opblock-summary-path", has_text="/api/auth/login")
    await expect(login.first).to_be_visible(timeout=WAIT_MS)
    assert await page.locator(".opblock").count() > 50
    await expect(page.locator(".info .title")).to_contain_text("12345政务服务便民热线")
    await shot(page, "20-docs-swagger")
    assert refused == [] and errors == [], (refused, errors)


async def test_redoc_renders_offline(base_url: str, browser: Browser) -> None:
    page, refused = await offline_page(browser, base_url)
    await page.goto(f"{base_url}/redoc")
    await expect(page.locator("h1").first).to_contain_text("12345政务服务便民热线", timeout=WAIT_MS)
    await expect(page.get_by_text("/api/auth/login").first).to_be_attached(timeout=WAIT_MS)
    await shot(page, "21-docs-redoc")
    # ReDoc's own "API docs by Redocly" footer links a logo image from its CDN; that picture
    # missing is all an offline browser loses. No script, style sheet or data was refused.
    assert all(kind == "image" for kind, _ in refused), refused

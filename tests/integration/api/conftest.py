from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from agent_desk.app import create_app
from core.settings import Settings
from tests.integration.api.client import Api
from tests.integration.tickets.helpers import isolated_url, seeded


@pytest.fixture
def api_url(db_url: str) -> Iterator[str]:
    with isolated_url(db_url) as url:
        yield url


@pytest.fixture
def api_settings(settings: Settings, api_url: str) -> Settings:
    return seeded(settings, api_url)


@pytest.fixture
async def api(api_settings: Settings) -> AsyncIterator[Api]:
    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
            yield Api(client)

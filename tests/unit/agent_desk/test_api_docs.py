"""/docs and /redoc reference only the app's own URLs, and those URLs serve the assets."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from agent_desk.app import create_app
from core.settings import Settings

# Every URL a page makes the browser load: src/href attributes and the OpenAPI `url:` in the script.
_REFERENCES = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url:\s*'([^']+)'""")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as http:
        yield http


def references(html: str) -> list[str]:
    return [a or b for a, b in _REFERENCES.findall(html)]


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"swagger-ui-bundle.js": "SwaggerUIBundle", "swagger-ui.css": ".swagger-ui"}),
        ("/redoc", {"redoc.standalone.js": "Redoc"}),
    ],
)
async def test_docs_pages_load_nothing_from_outside(
    client: httpx.AsyncClient, page: str, assets: dict[str, str]
) -> None:
    r = await client.get(page)
    assert r.status_code == 200
    urls = references(r.text)
    assert "/openapi.json" in urls, urls
    for url in urls:
        # A local URL is a path on this host: no scheme, no protocol-relative `//host/...`.
        assert url.startswith("/") and not url.startswith("//"), url
    for name, marker in assets.items():
        url = next((u for u in urls if u.endswith("/" + name)), None)
        assert url is not None, (name, urls)
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert marker in asset.text, url
        assert len(asset.content) > 10_000, url  # the real build, not an error page
    for url in urls:
        assert (await client.get(url)).status_code == 200, url

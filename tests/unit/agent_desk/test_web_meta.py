"""/api/web/meta gives the pages the deployment's emergency services (settings.emergency_numbers),
documented in the OpenAPI schema: no page lists emergency numbers of its own."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from agent_desk.app import create_app
from core.settings import Settings
from tests.conftest import REPO

LOCAL = {"fire": "96119", "police": "110", "medical": "120", "traffic": "122", "sea": "12395"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    local = settings.model_copy(
        update={
            "emergency_numbers": LOCAL,
            "emergency_labels": {**settings.emergency_labels, "sea": "海上搜救"},
        }
    )
    transport = httpx.ASGITransport(app=create_app(local))
    async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as http:
        yield http


async def test_the_emergency_list_is_the_deployments(client: httpx.AsyncClient) -> None:
    meta = (await client.get("/api/web/meta")).json()
    assert meta["emergency"] == {
        "110": "110 报警",
        "120": "120 急救",
        "122": "122 交通事故",
        "12395": "12395 海上搜救",
        "96119": "96119 火警",
    }
    assert {(s["service"], s["number"], s["label"]) for s in meta["emergency_services"]} == {
        ("fire", "96119", "火警"),
        ("police", "110", "报警"),
        ("medical", "120", "急救"),
        ("traffic", "122", "交通事故"),
        ("sea", "12395", "海上搜救"),
    }


async def test_the_meta_endpoint_is_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    ok = schema["paths"]["/api/web/meta"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    meta = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[-1]]
    assert {"emergency", "emergency_services"} <= set(meta["required"])
    line = schema["components"]["schemas"]["EmergencyLine"]
    assert set(line["properties"]) == {"service", "number", "label"}


# A national emergency number inside a string literal or the text of a page.
_NUMBER_IN_TEXT = re.compile(r"""["'`>][^"'`<>\n]*(?<![0-9])(110|119|120|122)(?![0-9])[^"'`<>\n]*["'`<]""")


def test_no_page_lists_emergency_numbers_of_its_own() -> None:
    pages = [p for p in (REPO / "agent_desk" / "web" / "static").rglob("*.*") if p.suffix in (".js", ".html")]
    assert any(p.name == "desk.js" for p in pages)
    for page in pages:
        found = _NUMBER_IN_TEXT.findall(page.read_text(encoding="utf-8"))
        assert found == [], f"{page.name} writes emergency numbers {found}: they come from /api/web/meta"

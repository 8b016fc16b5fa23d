"""The pages and the web helper API, served by the real app (SQLite, Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from agent_desk.app import create_app
from agent_desk.web.api import _days_left
from core.settings import Settings
from tickets.deadlines import WorkCalendar
from tickets.migrate import seed_demo, upgrade

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    await asyncio.to_thread(upgrade, settings.database_url)
    await asyncio.to_thread(seed_demo, settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as test_client:
            yield test_client


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"username": username, "password": "demo12345"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/", "政务服务便民热线"),
        ("/desk", "坐席工作台"),
        ("/wallboard", "监控大屏"),
        ("/portal", "承办单位"),
        ("/public", "受理公开"),
    ],
)
async def test_pages(client: httpx.AsyncClient, path: str, title: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert title in response.text
    # Everything comes from the app itself: no CDN.
    assert "http://" not in response.text and "https://" not in response.text


async def test_static_files_and_nothing_else(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/js/desk.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/static/css/app.css")).status_code == 200
    for bad in ("/static/../pages.py", "/static/%2e%2e/api.py", "/static/desk.html", "/static/js/nope.js"):
        assert (await client.get(bad)).status_code == 404, bad


async def test_meta_lists_the_words_of_the_forms(client: httpx.AsyncClient) -> None:
    meta = (await client.get("/api/web/meta")).json()
    assert "投诉" in meta["ticket_types"]
    assert meta["not_accepted_reasons"]["litigation"].startswith("已进入诉讼")
    assert set(meta["emergency"]) == {"110", "119", "120", "122"}
    assert meta["action_labels"]["sign"] == "签收"


async def test_charts_are_for_supervisors(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/web/charts")).status_code == 401
    assert (await client.get("/api/web/charts", headers=await login(client, "seat1001"))).status_code == 403
    charts = (await client.get("/api/web/charts", headers=await login(client, "supervisor"))).json()
    assert [h["hour"] for h in charts["hours"]] == list(range(24))
    assert charts["categories"] == [] and charts["service_level_24h"] == []


async def test_portal_lists_the_units_tickets_with_working_days_left(client: httpx.AsyncClient) -> None:
    seat = await login(client, "seat1001")
    intake = {"channel": "phone", "type": "求助", "content": "停水", "category_code": "urban.water"}
    ticket = (await client.post("/api/tickets", json=intake, headers=seat)).json()
    dispatched = await client.post(
        f"/api/tickets/{ticket['ticket_no']}/dispatch", json={"lead_unit_code": "u-water"}, headers=seat
    )
    assert dispatched.status_code == 200, dispatched.text
    rows = (await client.get("/api/web/portal/tickets", headers=await login(client, "unit-u-water"))).json()
    assert [r["ticket_no"] for r in rows] == [ticket["ticket_no"]]
    assert rows[0]["working_days_left"] >= 1  # 000 §19(二): help requests get 2 working days
    assert rows[0]["response_working_days_left"] >= 0
    assert (
        await client.get("/api/web/portal/tickets", headers=await login(client, "unit-u-power"))
    ).json() == []
    assert (await client.get("/api/web/portal/tickets", headers=seat)).status_code == 403


def test_working_days_left_follow_the_chinese_calendar() -> None:
    calendar = WorkCalendar()
    today = date(2025, 9, 30)
    # National Day 2025: 1–8 October off, so a deadline on Friday 10 October is 2 working days away.
    assert _days_left(calendar, today, datetime(2025, 10, 10, 15, 59, tzinfo=UTC), TZ) == 2
    # Sunday 28 September 2025 was an adjusted working day (调休).
    assert _days_left(calendar, today, datetime(2025, 9, 26, 15, 59, tzinfo=UTC), TZ) == -3
    assert _days_left(calendar, today, None, TZ) is None
    # A year the calendar does not know: no guess.
    assert _days_left(calendar, today, datetime(2099, 1, 5, tzinfo=UTC), TZ) is None

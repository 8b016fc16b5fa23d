"""Bad input answers a 4xx in the error contract, never a 500: one test per request an independent
probe found answered with a server error (issue 12), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.settings import Settings
from tests.integration.api.client import Api
from tests.integration.api.test_api_recordings import ingest_call

TOO_BIG = 2**64
INTAKE = {"channel": "phone", "type": "求助", "content": "路灯不亮"}


def assert_error(r: Any, status: int, code: str, detail_part: str = "") -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) <= {"detail", "code", "errors"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and detail_part in body["detail"], body


async def ticket_count(api: Api) -> int:
    r = await api.get("supervisor", "/api/tickets", params={"limit": 500})
    assert r.status_code == 200, r.text
    return len(r.json())


async def test_a_lone_surrogate_in_json_text_is_refused(api: Api) -> None:
    before = await ticket_count(api)
    token = await api.token("seat1001")
    # Valid JSON: the escape decodes to a lone surrogate that no UTF-8 encoder accepts.
    for body in (
        b'{"channel": "phone", "type": "\\u6c42\\u52a9", "content": "\\ud800 \xe8\xb7\xaf\xe7\x81\xaf"}',
        b'{"channel": "phone", "type": "\\u6c42\\u52a9", "content": "ok", "\\udfff": 1}',
    ):
        r = await api.client.post(
            "/api/tickets",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert_error(r, 422, "invalid_text", "代理项")
    assert await ticket_count(api) == before


async def test_nul_in_text_is_refused_in_body_query_and_path(api: Api) -> None:
    before = await ticket_count(api)
    r = await api.post("seat1001", "/api/tickets", {**INTAKE, "content": "路灯\x00不亮"})
    assert_error(r, 422, "invalid_text", "NUL")
    r = await api.get("supervisor", "/api/tickets", params={"phone": "138\x00"})
    assert_error(r, 422, "invalid_text", "NUL")
    r = await api.get("supervisor", "/api/tickets/2026%00")
    assert_error(r, 422, "invalid_text", "NUL")
    r = await api.get(None, "/api/public/kb/search", params={"q": "水\x00"})
    assert_error(r, 422, "invalid_text")
    assert await ticket_count(api) == before


async def test_invalid_utf8_in_the_query_is_refused(api: Api) -> None:
    r = await api.get("supervisor", "/api/tickets?status=%ED%A0%80")  # a surrogate's UTF-8 form
    assert_error(r, 422, "invalid_text", "UTF-8")


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("supervisor", "/api/tickets?offset={n}"),
        ("supervisor", "/api/tickets?limit={n}"),
        ("auditor", "/api/audit?offset={n}"),
        ("auditor", "/api/audit?limit={n}"),
        (None, "/api/public/disclosures?offset={n}"),
        (None, "/api/public/disclosures?limit={n}"),
    ],
)
async def test_integers_beyond_64_bits_are_refused(api: Api, user: str | None, path: str) -> None:
    for n in (TOO_BIG, -TOO_BIG, 2**63):
        assert_error(await api.get(user, path.format(n=n)), 422, "validation_error", "输入无效")


async def test_integer_path_ids_beyond_64_bits_are_refused(api: Api) -> None:
    r = await api.post("supervisor", f"/api/kb/articles/{TOO_BIG}/review", {"approve": True})
    assert_error(r, 422, "validation_error", "article_id")
    r = await api.post("seat1001", f"/api/callback-tasks/{TOO_BIG}/done", {"note": ""})
    assert_error(r, 422, "validation_error", "task_id")
    # Ids are the database's INTEGER: one past it cannot exist; the largest is an ordinary 404.
    r = await api.post("supervisor", f"/api/kb/articles/{2**31}/review", {"approve": True})
    assert_error(r, 422, "validation_error", "article_id")
    r = await api.post("supervisor", f"/api/kb/articles/{2**31 - 1}/review", {"approve": True})
    assert_error(r, 404, "not_found")


async def test_naive_datetimes_are_refused_saying_so(api: Api) -> None:
    naive = "2026-11-01T00:00:00"
    r = await api.get("supervisor", "/api/tickets", params={"created_from": naive})
    assert_error(r, 422, "validation_error", "须带时区")
    r = await api.get("supervisor", "/api/kpi/centre", params={"start": naive, "end": "2026-12-01T00:00:00Z"})
    assert_error(r, 422, "validation_error", "须带时区")
    r = await api.get("supervisor", "/api/kpi/units", params={"start": "2026-11-01T00:00:00Z", "end": naive})
    assert_error(r, 422, "validation_error", "须带时区")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00"),
        ("2026-11-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+14:00"),
    ],
)
async def test_dates_near_year_1_or_9999_are_refused(api: Api, start: str, end: str) -> None:
    for path in ("/api/kpi/centre", "/api/kpi/units", "/api/kpi/units.csv"):
        r = await api.get("supervisor", path, params={"start": start, "end": end})
        assert_error(r, 422, "validation_error", "年之间")
    r = await api.get("supervisor", "/api/tickets", params={"created_from": start, "created_to": end})
    assert_error(r, 422, "validation_error", "年之间")


async def test_calendar_days_near_year_1_or_9999_are_refused(api: Api) -> None:
    r = await api.call("admin", "DELETE", "/api/calendar/overrides/0001-01-01")
    assert_error(r, 422, "validation_error", "年之间")
    far = [{"day": "9999-12-31", "workday": True}]
    r = await api.call("admin", "PUT", "/api/calendar/overrides", json=far)
    assert_error(r, 422, "validation_error", "年之间")
    r = await api.get("supervisor", "/api/calendar/overrides")
    assert r.status_code == 200 and all(d["day"] != "9999-12-31" for d in r.json())


async def test_a_recording_whose_stored_name_is_too_long_is_not_found(
    api: Api, api_settings: Settings
) -> None:
    api_settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    spool = api_settings.asterisk_recordings_dir
    # Longer than the file system's NAME_MAX (255): the lookup itself fails.
    await ingest_call(api_settings, "1795330000.1", f"{spool}/{'a' * 260}.wav")
    r = await api.get("supervisor", "/api/calls/1795330000.1/recording")
    assert_error(r, 404, "not_found", "录音路径无效")


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b" " * n


async def test_a_body_above_the_limit_is_refused_before_it_is_parsed(api: Api) -> None:
    token = await api.token("seat1001")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    before = await ticket_count(api)
    # Declared: refused on the Content-Length alone.
    big = {**INTAKE, "content": "路" * (20 * 1024 * 1024)}
    r = await api.post("seat1001", "/api/tickets", big)
    assert_error(r, 413, "payload_too_large", "请求体过大")
    # Streamed without a length (chunked): counted as it arrives.
    r = await api.client.post("/api/tickets", content=chunks(2 * 1024 * 1024), headers=headers)
    assert_error(r, 413, "payload_too_large", "请求体过大")
    assert await ticket_count(api) == before
    # Just under the limit is parsed as usual (here: valid JSON, an ordinary intake).
    padded = '{"channel": "phone", "type": "求助", "content": "ok"}'.encode() + b" " * (1024 * 1024 - 100)
    r = await api.client.post("/api/tickets", content=padded, headers=headers)
    assert r.status_code == 201, r.text
    assert await ticket_count(api) == before + 1


async def test_the_body_limit_is_a_setting(api_settings: Settings) -> None:
    import httpx

    from agent_desk.app import create_app

    app = create_app(api_settings.model_copy(update={"max_body_bytes": 4096}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline.test") as client:
            body = {"username": "seat1001", "password": "x" * 5000}
            assert_error(await client.post("/api/auth/login", json=body), 413, "payload_too_large", "4096")


async def test_401_and_403_carry_a_code(api: Api) -> None:
    assert_error(await api.get(None, "/api/tickets"), 401, "unauthorized", "未登录")
    r = await api.client.get("/api/tickets", headers={"Authorization": "Bearer nonsense"})
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert_error(await api.get("seat1001", "/api/audit"), 403, "forbidden", "无权访问")
    r = await api.post(None, "/api/auth/login", {"username": "seat1001", "password": "wrong"})
    assert_error(r, 401, "unauthorized", "用户名或密码错误")


async def test_validation_errors_carry_the_fields_at_fault(api: Api) -> None:
    r = await api.post("seat1001", "/api/tickets", {"channel": "phone", "type": "求助"})
    assert_error(r, 422, "validation_error", "content")
    assert [e["loc"] for e in r.json()["errors"]] == [["body", "content"]]


async def test_every_operation_documents_the_error_contract(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["ErrorBody"]["required"] == ["detail", "code"]
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(operations) > 50
    for path, method, op in operations:
        responses = op["responses"]
        assert {"413", "422", "503"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status[0] in "45":
                assert response["content"]["application/json"]["schema"] == ref, (method, path, status)
        if not path.startswith(("/api/public", "/api/auth/login", "/api/web/meta")):
            assert {"401", "403"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
    public = spec["paths"]["/api/public/disclosures"]["get"]["responses"]
    assert "401" not in public
    offset = next(p for p in spec["paths"]["/api/tickets"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] <= 2**63 - 1


# Found by the Schemathesis run (test_api_schemathesis.py), each a 500 before.


async def test_an_unknown_status_channel_or_type_filter_is_refused(api: Api) -> None:
    for name in ("status", "channel", "type"):
        r = await api.get("supervisor", "/api/tickets", params={name: "0" * 64})
        assert_error(r, 422, "validation_error", name)


async def test_a_reference_to_an_unknown_category_or_unit_changes_nothing(api: Api) -> None:
    # The use case names what is unknown (invalid_input); where it does not, the database's
    # constraint answers (unknown_reference): a 422 either way, and nothing written.
    refused = {"invalid_input", "unknown_reference"}
    before = await ticket_count(api)
    for field in ("category_code", "complained_unit_code"):
        for code in ("", "no-such-code"):
            r = await api.post("seat1001", "/api/tickets", {**INTAKE, field: code})
            assert r.status_code == 422 and r.json()["code"] in refused, (field, code, r.text)
    assert await ticket_count(api) == before
    pending = len((await api.get("supervisor", "/api/kb/articles/pending")).json())
    for code in ("", "no-such-code"):
        proposal = {"question": "停水", "answer": "请拨打", "category_code": code}
        r = await api.post("seat1001", "/api/kb/articles", proposal)
        assert r.status_code == 422 and r.json()["code"] in refused, (code, r.text)
    assert len((await api.get("supervisor", "/api/kb/articles/pending")).json()) == pending

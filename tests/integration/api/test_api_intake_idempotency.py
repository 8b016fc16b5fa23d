"""Over HTTP: Idempotency-Key on 受理 (201 once, then 200 with the same ticket), its bounds, the
409 of a reused key, the centre refused as a unit, and the knowledge base's answer limit."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.integration.api.client import Api

INTAKE: dict[str, Any] = {
    "channel": "phone",
    "type": "求助",
    "category_code": "urban.streetlight",
    "content": "小区门口路灯不亮已经三天",
    "citizen_phone": "13812345678",
}


async def post_intake(
    api: Api, body: dict[str, Any], key: str | None, user: str = "seat1001"
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {await api.token(user)}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await api.client.post("/api/tickets", json=body, headers=headers)


async def ticket_count(api: Api) -> int:
    r = await api.get("supervisor", "/api/tickets", params={"limit": 500})
    assert r.status_code == 200
    return len(r.json())


async def test_a_repeated_intake_answers_200_with_the_first_ticket(api: Api) -> None:
    first = await post_intake(api, INTAKE, "desk-1-0001")
    again = await post_intake(api, INTAKE, "desk-1-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = await post_intake(api, {**INTAKE, "content": "另一件事:垃圾没有清运"}, "desk-1-0001")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert first.json()["ticket_no"] in other.json()["detail"]
    # Another account's same key is its own.
    assert (await post_intake(api, INTAKE, "desk-1-0001", user="seat1002")).status_code == 201
    assert await ticket_count(api) == 2


async def test_concurrent_repeats_make_one_ticket(api: Api) -> None:
    answers = await asyncio.gather(*(post_intake(api, INTAKE, "race-key") for _ in range(6)))
    assert sorted(r.status_code for r in answers) == [200] * 5 + [201]
    assert len({r.json()["ticket_no"] for r in answers}) == 1
    assert await ticket_count(api) == 1


async def test_the_same_call_is_one_ticket(api: Api) -> None:
    body = {**INTAKE, "linkedid": "1763431200.77"}
    first = await post_intake(api, body, None)
    again = await post_intake(api, body, None)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["ticket_no"] == first.json()["ticket_no"]
    other = await post_intake(api, {**body, "content": "另一件事"}, None)
    assert (other.status_code, other.json()["code"]) == (409, "call_already_ticketed")


async def test_key_bounds(api: Api) -> None:
    assert (await post_intake(api, INTAKE, "k" * 200)).status_code == 201
    for bad in ("k" * 201, "has space", "键"):
        r = await post_intake(api, INTAKE, bad) if bad != "键" else await _raw_key(api, "键".encode())
        assert (r.status_code, r.json()["code"]) == (422, "validation_error"), bad
    assert await ticket_count(api) == 1


async def _raw_key(api: Api, key: bytes) -> httpx.Response:
    token = await api.token("seat1001")
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"idempotency-key", key)]
    return await api.client.post("/api/tickets", json=INTAKE, headers=headers)


async def test_openapi_documents_the_replay(api: Api) -> None:
    op = (await api.client.get("/openapi.json")).json()["paths"]["/api/tickets"]["post"]
    assert {"200", "201", "409"} <= set(op["responses"])
    key = next(p for p in op["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["schema"]["anyOf"][0]["maxLength"] == 200


async def test_the_centre_is_not_a_unit(api: Api) -> None:
    no = (await post_intake(api, INTAKE, None)).json()["ticket_no"]
    r = await api.post("seat1001", f"/api/tickets/{no}/dispatch", {"lead_unit_code": "centre"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_input")
    assert "热线中心" in r.json()["detail"]


async def test_a_kb_answer_over_the_limit_is_422(api: Api) -> None:
    body = {"question": "过长的知识条目", "answer": "答" * 20_001}
    r = await api.post("unit-dept-urban", "/api/kb/articles", body)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_input")
    assert "最多 20000 个" in r.json()["detail"]
    r = await api.post("unit-dept-urban", "/api/kb/articles", {**body, "answer": "答" * 20_000})
    assert r.status_code == 201

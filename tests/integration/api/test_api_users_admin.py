"""Creating and changing accounts over the admin API (SQLite and PostgreSQL): what is refused
changes nothing, a change of role, unit or extension revokes the user's tokens at once."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.api.client import Api

NEW_SEAT: dict[str, Any] = {
    "username": "seat2001",
    "display_name": "话务员2001",
    "role": "seat",
    "unit_code": "centre",
    "extension": "2001",
    "password": "s3cret-2001-harbor",
}


async def login(api: Api, username: str, password: str) -> httpx.Response:
    return await api.client.post("/api/auth/login", json={"username": username, "password": password})


async def usernames(api: Api) -> list[str]:
    r = await api.get("admin", "/api/admin/users")
    assert r.status_code == 200, r.text
    return [u["username"] for u in r.json()]


async def test_admin_creates_a_seat_who_can_log_in(api: Api) -> None:
    r = await api.post("admin", "/api/admin/users", {**NEW_SEAT, "note": "新入职"})
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in ("username", "role", "unit_code", "extension", "active")} == {
        "username": "seat2001",
        "role": "seat",
        "unit_code": "centre",
        "extension": "2001",
        "active": True,
    }
    assert "password" not in r.text and "hash" not in r.text
    token = await login(api, "seat2001", "s3cret-2001-harbor")
    assert token.status_code == 200, token.text
    me = await api.client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert (me.json()["role"], me.json()["extension"]) == ("seat", "2001")
    trail = await api.get("admin", "/api/audit", params={"subject": "seat2001"})
    entries = [(e["action"], e["actor"]) for e in trail.json()]
    assert entries == [("user_create", "admin")]
    assert "新入职" in trail.json()[0]["note"] and "s3cret" not in trail.text


async def test_refused_accounts_change_nothing(api: Api) -> None:
    before = await usernames(api)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"username": "seat1001"}, 409, "用户名已存在"),
        ({"extension": "1001"}, 409, "分机号 1001 已由账号 seat1001 使用"),
        ({"extension": None}, 422, "话务员须绑定分机号"),
        ({"extension": "12a"}, 422, "分机号须为 3-8 位数字"),
        ({"unit_code": "dept-urban"}, 422, "须属于热线中心"),
        ({"unit_code": "no-such-unit"}, 422, "单位不存在"),
        ({"role": "unit_handler", "extension": None}, 422, "不能属于热线中心"),
        ({"role": "unit_handler", "unit_code": "dept-urban"}, 422, "没有分机号"),
        ({"role": "system", "extension": None}, 422, "不能创建角色"),
        ({"username": "Seat 2001"}, 422, "用户名须为"),
        ({"password": "short"}, 422, ""),
        ({"password": "password123"}, 422, "密码太弱"),
        ({"password": "qwertyuiop"}, 422, "密码太弱"),
        ({"password": "seat2001"}, 422, "密码不能包含用户名"),
        ({"password": "Seat2001-Harbor-lamp"}, 422, "密码不能包含用户名"),
    ]
    for change, status, reason in cases:
        r = await api.post("admin", "/api/admin/users", {**NEW_SEAT, **change})
        assert r.status_code == status, (change, r.text)
        assert reason in r.text, (change, r.text)
    for user in ("supervisor", "seat1001", "unit-dept-urban", "auditor"):
        r = await api.post(user, "/api/admin/users", NEW_SEAT)
        assert r.status_code == 403, (user, r.text)
    assert await usernames(api) == before


async def test_a_unit_handler_sees_only_the_unit_it_was_given(api: Api) -> None:
    r = await api.post(
        "admin",
        "/api/admin/users",
        {
            "username": "urban.li",
            "display_name": "李承办",
            "role": "unit_handler",
            "unit_code": "dept-urban",
            "password": "handler-pass-1",
        },
    )
    assert r.status_code == 201, r.text
    token = (await login(api, "urban.li", "handler-pass-1")).json()["access_token"]
    tickets = await api.client.get("/api/tickets", headers={"Authorization": f"Bearer {token}"})
    assert tickets.status_code == 200
    assert all(t.get("lead_unit_code") in (None, "dept-urban") for t in tickets.json())


async def test_changing_role_unit_or_extension_revokes_tokens_a_name_does_not(api: Api) -> None:
    assert (await api.post("admin", "/api/admin/users", NEW_SEAT)).status_code == 201
    token = (await login(api, "seat2001", "s3cret-2001-harbor")).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    r = await api.call("admin", "PATCH", "/api/admin/users/seat2001", json={"display_name": "王话务"})
    assert r.status_code == 200 and r.json()["display_name"] == "王话务", r.text
    assert (await api.client.get("/api/auth/me", headers=headers)).status_code == 200

    # A no-op changes nothing and logs nothing.
    r = await api.call("admin", "PATCH", "/api/admin/users/seat2001", json={"extension": "2001"})
    assert r.status_code == 200
    assert (await api.client.get("/api/auth/me", headers=headers)).status_code == 200

    r = await api.call(
        "admin", "PATCH", "/api/admin/users/seat2001", json={"role": "supervisor", "extension": None}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["extension"]) == ("supervisor", None)
    assert (await api.client.get("/api/auth/me", headers=headers)).status_code == 401
    fresh = (await login(api, "seat2001", "s3cret-2001-harbor")).json()["access_token"]
    me = await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {fresh}"})
    assert me.json()["role"] == "supervisor"
    # The extension it gave up is free for the next seat.
    again = {**NEW_SEAT, "username": "seat2002"}
    assert (await api.post("admin", "/api/admin/users", again)).status_code == 201

    trail = await api.get("admin", "/api/audit", params={"subject": "seat2001"})
    assert [e["action"] for e in trail.json()].count("user_update") == 2


async def test_refused_changes_change_nothing(api: Api) -> None:
    cases: list[tuple[str, dict[str, Any], int]] = [
        ("seat1001", {"extension": "1002"}, 409),
        ("seat1001", {"unit_code": "dept-urban"}, 422),
        ("seat1001", {"role": "unit_handler"}, 422),  # a handler belongs to a unit, not the centre
        ("seat1001", {"role": "auditor", "extension": "1001"}, 422),  # an auditor has no extension
        ("admin", {"role": "supervisor"}, 422),  # not one's own role
        ("nobody", {"display_name": "某人"}, 404),
    ]
    before = (await api.get("admin", "/api/admin/users")).json()
    for username, change, status in cases:
        r = await api.call("admin", "PATCH", f"/api/admin/users/{username}", json=change)
        assert r.status_code == status, (username, change, r.text)
    assert (await api.get("admin", "/api/admin/users")).json() == before
    r = await api.call("supervisor", "PATCH", "/api/admin/users/seat1001", json={"display_name": "x"})
    assert r.status_code == 403

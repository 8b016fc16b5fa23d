"""Login limits over HTTP: failures count per (username, client address) and per address, so a
guesser is stopped and nobody can lock someone else out of their account."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from fastapi import FastAPI

from agent_desk.api.login_limit import LOCK_S, MAX_ADDRESS_FAILURES, MAX_FAILURES
from agent_desk.app import create_app
from core.settings import Settings
from tests.integration.api.client import Api

PASSWORD = "demo12345"
Client = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
async def app(api_settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def client_at(app: FastAPI) -> Client:
    """An HTTP client whose requests come from `address` (what the web server sees)."""

    def make(address: str) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://hotline.test")

    return make


async def login(client: httpx.AsyncClient, user: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": user, "password": password})


async def test_five_failed_logins_lock_the_username_from_that_address(client_at: Client) -> None:
    async with client_at("10.1.0.1") as desk:
        for _ in range(MAX_FAILURES):
            r = await login(desk, "seat1001", "wrong-password")
            assert r.status_code == 401 and r.json()["code"] == "unauthorized"
        # Locked: even the right password is refused, in Chinese, with a Retry-After.
        r = await login(desk, "seat1001")
        assert r.status_code == 429
        assert r.json()["code"] == "too_many_requests" and "该账号在此地址已临时锁定" in r.json()["detail"]
        assert 0 < int(r.headers["Retry-After"]) <= LOCK_S
        # Other users at that address are not affected.
        assert (await login(desk, "seat1002")).status_code == 200
        # An admin's password reset lifts the lock.
        api = Api(desk)
        reset = await api.post(
            "admin", "/api/admin/users/seat1001/password", {"new_password": "reset-2026-pw"}
        )
        assert reset.status_code == 200, reset.text
        assert (await login(desk, "seat1001", "reset-2026-pw")).status_code == 200


async def test_a_third_party_failing_elsewhere_does_not_lock_the_user_out(client_at: Client) -> None:
    async with client_at("203.0.113.7") as stranger, client_at("10.1.0.2") as desk:
        for _ in range(MAX_FAILURES * 2):
            await login(stranger, "supervisor", "guess")
        assert (await login(stranger, "supervisor")).status_code == 429  # the stranger is stopped
        # The supervisor, at their own desk, logs in as usual; a few typos of their own do not
        # add up with the stranger's.
        for _ in range(MAX_FAILURES - 1):
            assert (await login(desk, "supervisor", "typo")).status_code == 401
        assert (await login(desk, "supervisor")).status_code == 200


async def test_a_successful_login_clears_its_own_failure_count(client_at: Client) -> None:
    async with client_at("10.1.0.3") as desk:
        for _ in range(MAX_FAILURES - 1):
            assert (await login(desk, "auditor", "wrong-password")).status_code == 401
        assert (await login(desk, "auditor")).status_code == 200
        for _ in range(MAX_FAILURES - 1):
            assert (await login(desk, "auditor", "wrong-password")).status_code == 401
        assert (await login(desk, "auditor")).status_code == 200
        # Unknown usernames are counted too: guessing names is throttled the same way.
        for _ in range(MAX_FAILURES):
            assert (await login(desk, "ghost", "x")).status_code == 401
        assert (await login(desk, "ghost", "x")).status_code == 429


async def test_one_address_trying_many_usernames_is_stopped(client_at: Client) -> None:
    async with client_at("198.51.100.9") as guesser, client_at("10.1.0.4") as desk:
        # Never MAX_FAILURES on one username: only the address's own count can stop this.
        for i in range(MAX_ADDRESS_FAILURES - 1):
            assert (await login(guesser, f"staff{i}", "123456")).status_code == 401
        last = await login(guesser, "staff-last", "123456")
        assert last.status_code == 429 and last.json()["code"] == "too_many_requests"
        assert "此地址" in last.json()["detail"]
        # Now nothing is tried from that address, not even a right password.
        refused = await login(guesser, "seat1003")
        assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= LOCK_S
        # Everyone else logs in.
        assert (await login(desk, "seat1003")).status_code == 200

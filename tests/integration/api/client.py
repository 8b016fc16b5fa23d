"""An HTTP client for the API tests: logs in once per demo user and sends the bearer token."""

from __future__ import annotations

import httpx


class Api:
    """An HTTP client that logs in once per user and sends the bearer token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    async def token(self, user: str) -> str:
        if user not in self._tokens:
            r = await self.client.post("/api/auth/login", json={"username": user, "password": "demo12345"})
            assert r.status_code == 200, r.text
            self._tokens[user] = r.json()["access_token"]
        return self._tokens[user]

    async def call(self, user: str | None, method: str, path: str, **kw: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self.token(user)}"} if user else {}
        return await self.client.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]

    async def get(self, user: str | None, path: str, **kw: object) -> httpx.Response:
        return await self.call(user, "GET", path, **kw)

    async def post(self, user: str | None, path: str, body: object = None, **kw: object) -> httpx.Response:
        return await self.call(user, "POST", path, json=body if body is not None else {}, **kw)

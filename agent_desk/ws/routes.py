"""The `/ws` endpoint and the lifespan that starts this process's hub and Redis bridge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, WebSocket

from agent_desk.ws.service import WsService

ServiceBuilder = Callable[[Any], Awaitable[WsService]]


def ws_router(build: ServiceBuilder) -> APIRouter:
    """`build(app)` runs inside the app's lifespan, after the app put its Redis/Database on app.state."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        service = await build(app)
        app.state.ws = service
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    router = APIRouter(lifespan=lifespan)

    @router.websocket("/ws")
    async def websocket_endpoint(websocket: WebSocket) -> None:
        service: WsService = websocket.app.state.ws
        await service.serve(websocket)

    return router

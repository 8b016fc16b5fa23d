"""What one web process runs for websockets: the hub, its Redis bridge, and the session factory."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from starlette.websockets import WebSocket

from agent_desk.ws.bridge import RedisBridge
from agent_desk.ws.hub import Hub
from agent_desk.ws.session import Session, SessionDeps


@dataclass
class WsService:
    deps: SessionDeps
    bridge: RedisBridge | None = None
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    @property
    def hub(self) -> Hub:
        return self.deps.hub

    async def start(self) -> None:
        if self.bridge is not None and self._task is None:
            self._task = asyncio.create_task(self.bridge.run(), name="ws-bridge")

    async def stop(self) -> None:
        if self._task is not None:
            assert self.bridge is not None
            self.bridge.close()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def serve(self, websocket: WebSocket) -> None:
        await Session(self.deps, websocket).run()

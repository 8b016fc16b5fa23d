"""Runs the real AMI role (`CallflowService`) against the replay server and real Redis, and
collects what it produced: Redis state, published deltas, hand-off records."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from callflow.service import CallflowService
from core.aio import honour_cancel
from core.contracts import CallRecord, EmergencyReferral, HandoffRecord
from core.handoff import HandoffProducer, decode, stream_key
from core.settings import Settings
from tests.doubles.ami_server import AmiReplayServer

SETTLE_TIMEOUT_S = 20.0


class CallflowHarness:
    def __init__(
        self,
        capture: Path,
        settings: Settings,
        redis: Redis,
        *,
        speed: float = 0.0,
        **server_options: Any,
    ) -> None:
        self.server = AmiReplayServer(capture, speed=speed, **server_options)
        self.base_settings = settings
        self.redis = redis
        self.prefix = settings.redis_prefix
        self.deltas: list[tuple[str, str, dict[str, Any]]] = []
        self._pubsub: PubSub | None = None
        self._collector: asyncio.Task[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self.service: CallflowService

    async def __aenter__(self) -> CallflowHarness:
        await self.server.start()
        self.settings = self.base_settings.model_copy(
            update={"ami_port": self.server.port, "ami_ping_interval_s": 2.0, "ami_reconnect_max_s": 0.5}
        )
        self.producer = HandoffProducer(self.redis, self.prefix, self.settings.data_dir / "spool.jsonl")
        self._pubsub = self.redis.pubsub()
        await self._pubsub.psubscribe(f"{self.prefix}events:*")
        self._collector = asyncio.create_task(self._collect(self._pubsub))
        self.service = CallflowService(self.settings, self.redis, self.producer, "test-node", tick_s=0.05)
        self._task = asyncio.create_task(self.service.run())
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for task in (self._task, self._collector):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self.server.stop()

    async def restart_service(self, while_down: Callable[[], Awaitable[None]] | None = None) -> None:
        """Stops the AMI role (as a crash or deploy would) and starts a fresh process's worth of it;
        `while_down` runs in between (e.g. the switch goes on: `server.drop_clients(lose_s=...)`)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if while_down is not None:
            await while_down()
        self.service = CallflowService(self.settings, self.redis, self.producer, "test-node-2", tick_s=0.05)
        self._task = asyncio.create_task(self.service.run())
        await self.connected()

    async def _collect(self, pubsub: PubSub) -> None:
        while True:
            try:
                if self._pubsub is None:
                    self._pubsub = pubsub = self.redis.pubsub()
                    await pubsub.psubscribe(f"{self.prefix}events:*")
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"].decode()
                    body = json.loads(message["data"])
                    self.deltas.append(
                        (channel.removeprefix(f"{self.prefix}events:"), body["op"], body["data"])
                    )
            except (RedisError, OSError):
                # A cancellation redis-py turned into an error ends the collector (teardown).
                honour_cancel()
                # Redis restarted under the test: subscribe again once it is back.
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                self._pubsub = None
                await asyncio.sleep(0.1)

    async def connected(self) -> None:
        await asyncio.wait_for(self.service.connected.wait(), SETTLE_TIMEOUT_S)

    async def settle(self) -> None:
        """Waits until everything streamed so far is processed, written, handed off and published."""
        svc = self.service

        async def idle() -> None:
            while True:
                await asyncio.sleep(0.02)
                if svc.idle:
                    return

        await asyncio.wait_for(idle(), SETTLE_TIMEOUT_S)
        # Pub/sub is ordered: once our marker is back, every earlier delta has been received.
        marker = f"{self.prefix}events:__marker__"

        async def marker_seen() -> None:
            while True:
                # Published again until seen: a subscription being re-made may miss one.
                await self.redis.publish(marker, json.dumps({"op": "marker", "data": {}}))
                for _ in range(20):
                    if any(op == "marker" for _, op, _ in self.deltas):
                        return
                    await asyncio.sleep(0.01)

        await asyncio.wait_for(marker_seen(), SETTLE_TIMEOUT_S)
        self.deltas = [d for d in self.deltas if d[1] != "marker"]

    async def run_to_end(self) -> None:
        await asyncio.wait_for(self.server.finished.wait(), SETTLE_TIMEOUT_S * 3)
        await self.drain()
        await self.settle()

    async def drain(self) -> None:
        """A Ping round trip: its reply comes after every event already written to us."""
        await self.connected()
        client = self.service.client
        assert client is not None
        await client.action({"Action": "Ping"}, timeout_s=SETTLE_TIMEOUT_S)

    async def records(self) -> list[HandoffRecord]:
        entries = await self.redis.xrange(stream_key(self.prefix)) or []
        return [decode(fields) for _id, fields in entries if fields is not None]

    async def calls(self) -> list[CallRecord]:
        return [r for r in await self.records() if isinstance(r, CallRecord)]

    async def referrals(self) -> list[EmergencyReferral]:
        return [r for r in await self.records() if isinstance(r, EmergencyReferral)]

    def ops(self, target: str, op: str) -> list[dict[str, Any]]:
        return [data for t, o, data in self.deltas if t == target and o == op]

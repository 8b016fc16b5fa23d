"""The one Redis pub/sub subscription of a web process, feeding the hub.

Every local websocket client is served from this single subscription (never one per client).
When the subscription breaks, deltas may have been lost, so after reconnecting the bridge tells
every topic's subscribers to resync (they ask for a fresh snapshot).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from agent_desk.ws.hub import Hub

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Routed:
    topic: str
    op: str
    data: Any


# (channel, decoded {"op", "data"} message) -> the hub topics it goes to.
Router = Callable[[str, dict[str, Any]], Iterable[Routed]]


class RedisBridge:
    def __init__(
        self,
        redis: Redis,
        hub: Hub,
        patterns: list[str],
        route: Router,
        *,
        retry_max_s: float = 5.0,
    ) -> None:
        if not patterns:
            raise ValueError("the bridge needs at least one channel pattern")
        self._redis = redis
        self._hub = hub
        self._patterns = patterns
        self._route = route
        self._retry_max_s = retry_max_s
        self.ready = asyncio.Event()
        self._closing = False
        self.received = 0
        self.rejected = 0

    def handle(self, channel: str, raw: bytes | str) -> int:
        """Routes one pub/sub message; returns how many hub publishes it caused."""
        self.received += 1
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self.rejected += 1
            log.warning("ws bridge: %s sent a message that is not JSON", channel)
            return 0
        if not isinstance(message, dict) or not isinstance(message.get("op"), str):
            self.rejected += 1
            log.warning("ws bridge: %s sent a message without 'op'", channel)
            return 0
        count = 0
        for routed in self._route(channel, message):
            self._hub.publish(routed.topic, routed.op, routed.data)
            count += 1
        return count

    def close(self) -> None:
        """Ends `run` at its next turn, even if a cancellation was swallowed inside the Redis client."""
        self._closing = True

    async def run(self) -> None:
        delay = 0.2
        first = True
        while not self._closing:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(*self._patterns)
                if not first:
                    # Deltas published while we were away are gone: everyone takes a new snapshot.
                    self._hub.invalidate()
                first = False
                self.ready.set()
                delay = 0.2
                while not self._closing:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    channel = message["channel"]
                    if isinstance(channel, bytes):
                        channel = channel.decode()
                    try:
                        self.handle(channel, message["data"])
                    except Exception:
                        # One bad payload must not stop the live view of every desk.
                        log.exception("ws bridge: routing a message of %s failed", channel)
            except (RedisError, OSError) as exc:
                self.ready.clear()
                log.warning("ws bridge: Redis subscription lost (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max_s)
            finally:
                try:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                except (RedisError, OSError):
                    log.debug("ws bridge: closing a broken subscription failed")

"""Per-process fan-out: every topic's delta is encoded once and offered to each subscriber's outbox.

An outbox is bounded. A client that cannot keep up (its socket buffer is full, so its writer is
stuck) lets its outbox fill and is dropped at once; publishing never waits on any client, so one
slow wallboard cannot delay a seat's screen pop. Each topic keeps a short ring of its last deltas
so a client that reconnects after a blip gets what it missed instead of a full snapshot.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent_desk.ws.protocol import encode, text_frame

DirectWrite = Callable[[bytes], bool]


class Subscriber:
    """One connection's outbox: frames waiting for its writer task."""

    __slots__ = (
        "_direct",
        "_frames",
        "_held",
        "_sending",
        "_waiter",
        "drop_reason",
        "dropped",
        "limit",
        "topics",
    )

    def __init__(self, limit: int = 256, direct: DirectWrite | None = None) -> None:
        if limit < 1:
            raise ValueError("outbox limit must be at least 1")
        self.limit = limit
        # Writes a prepared frame to the socket now; False means the client is too far behind.
        self._direct = direct
        # The writer task holds frames it took but has not finished sending.
        self._sending = False
        self._frames: list[str] = []
        # Deltas of a topic whose snapshot is still being read wait here, so the snapshot goes first.
        self._held: dict[str, list[str]] = {}
        self._waiter: asyncio.Future[None] | None = None
        self.dropped = False
        self.drop_reason = ""
        self.topics: set[str] = set()

    def offer(self, topic: str, frame: str, raw: bytes) -> bool:
        """Delivers a delta (text, or `raw` frame bytes on the direct path); False if this dropped it."""
        if self.dropped:
            return False
        if self._held:
            held = self._held.get(topic)
            if held is not None:
                if len(held) >= self.limit:
                    self.drop("outbox full")
                    return False
                held.append(frame)
                return True
        if self._direct is not None and not self._frames and not self._sending:
            # Nothing of this client is queued, so writing now keeps its frames in order.
            if self._direct(raw):
                return True
            self.drop("socket buffer full")
            return False
        return self.push(frame)

    def push(self, frame: str) -> bool:
        """Queues a frame for this client alone (snapshot, pong, command result)."""
        if self.dropped:
            return False
        if len(self._frames) >= self.limit:
            self.drop("outbox full")
            return False
        self._frames.append(frame)
        self._wake()
        return True

    def hold(self, topic: str) -> None:
        self._held[topic] = []

    def unhold(self, topic: str) -> None:
        self._held.pop(topic, None)

    def release(self, topic: str, first: list[str]) -> None:
        """Queues `first` (snapshot or replay), then the deltas that arrived meanwhile."""
        held = self._held.pop(topic, [])
        for frame in (*first, *held):
            if not self.push(frame):
                return

    def drop(self, reason: str) -> None:
        if self.dropped:
            return
        self.dropped = True
        self.drop_reason = reason
        self._frames.clear()
        self._held.clear()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    @property
    def pending(self) -> int:
        return len(self._frames)

    async def take(self) -> list[str]:
        """Waits for frames and takes them all; returns [] once the subscriber is dropped."""
        while not self._frames and not self.dropped:
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        if self.dropped:
            return []
        frames, self._frames = self._frames, []
        self._sending = True
        return frames

    def sent(self) -> None:
        """The writer finished the frames it took: the direct path may be used again."""
        self._sending = False


@dataclass
class _Topic:
    seq: int = 0
    ring: deque[tuple[int, str]] = field(default_factory=deque)
    subscribers: set[Subscriber] = field(default_factory=set)


@dataclass(frozen=True)
class Joined:
    """What a new subscription starts from: replayed frames, or None when a snapshot is needed."""

    epoch: str
    seq: int
    replay: list[str] | None


class Hub:
    def __init__(self, *, replay_size: int = 512, epoch: str | None = None) -> None:
        if replay_size < 0:
            raise ValueError("replay_size must be >= 0")
        # A new epoch per process: sequence numbers of another process (or before a restart) never
        # match, so a client coming from there always gets a snapshot.
        self.epoch = epoch or uuid.uuid4().hex[:16]
        self._replay_size = replay_size
        self._topics: dict[str, _Topic] = {}
        self.published = 0
        self.delivered = 0
        self.dropped = 0

    def _topic(self, name: str) -> _Topic:
        topic = self._topics.get(name)
        if topic is None:
            topic = self._topics[name] = _Topic(ring=deque(maxlen=self._replay_size or None))
        return topic

    def seq(self, topic: str) -> int:
        t = self._topics.get(topic)
        return t.seq if t else 0

    def subscriber_count(self, topic: str) -> int:
        t = self._topics.get(topic)
        return len(t.subscribers) if t else 0

    def publish(self, topic: str, op: str, data: Any) -> int:
        """Encodes one delta and offers it to every subscriber of `topic`; returns how many took it."""
        t = self._topic(topic)
        t.seq += 1
        frame = encode("delta", {"topic": topic, "seq": t.seq, "op": op, "data": data})
        raw = text_frame(frame)
        if self._replay_size:
            t.ring.append((t.seq, frame))
        self.published += 1
        overflowed: list[Subscriber] = []
        taken = 0
        for sub in t.subscribers:
            if sub.offer(topic, frame, raw):
                taken += 1
            elif sub.dropped:
                overflowed.append(sub)
        for sub in overflowed:
            self.remove(sub)
        self.delivered += taken
        return taken

    def invalidate(self) -> None:
        """Tells every subscriber that deltas were lost: clients re-subscribe for a snapshot."""
        for name, t in self._topics.items():
            t.ring.clear()
            frame = encode("resync", {"topic": name})
            for sub in list(t.subscribers):
                if not sub.push(frame):
                    self.remove(sub)

    def join(
        self, topic: str, sub: Subscriber, *, epoch: str | None = None, since: int | None = None
    ) -> Joined:
        """Subscribes with the topic held; the caller must `sub.release(topic, ...)` next.

        Replays from the ring when the client's (epoch, seq) is ours and every delta after it is
        still there; otherwise `replay` is None and the caller sends a snapshot taken after this.
        """
        t = self._topic(topic)
        sub.hold(topic)
        t.subscribers.add(sub)
        sub.topics.add(topic)
        replay: list[str] | None = None
        if epoch == self.epoch and since is not None and since <= t.seq:
            if since == t.seq:
                replay = []
            elif t.ring and t.ring[0][0] <= since + 1:
                replay = [frame for seq, frame in t.ring if seq > since]
        return Joined(epoch=self.epoch, seq=t.seq, replay=replay)

    def leave(self, topic: str, sub: Subscriber) -> None:
        t = self._topics.get(topic)
        if t is not None:
            t.subscribers.discard(sub)
        sub.topics.discard(topic)
        sub.unhold(topic)

    def remove(self, sub: Subscriber) -> None:
        if sub.dropped and sub.topics:
            self.dropped += 1
        for topic in list(sub.topics):
            self.leave(topic, sub)

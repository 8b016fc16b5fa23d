"""The fan-out hub: ordering, bounded outboxes, the direct path and replay after a reconnect."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent_desk.ws.hub import Hub, Subscriber
from agent_desk.ws.protocol import encode, text_frame


def ops(frames: list[str]) -> list[tuple[str, object]]:
    out = []
    for frame in frames:
        obj = json.loads(frame)
        out.append((obj["op"], obj["data"].get("seq")))
    return out


async def test_snapshot_goes_before_deltas_published_while_it_was_read() -> None:
    hub = Hub()
    sub = Subscriber()
    joined = hub.join("wallboard", sub)
    assert joined.replay is None and joined.seq == 0
    hub.publish("wallboard", "seat", {"ext": "1001"})  # arrives while the snapshot is being read
    sub.release("wallboard", [encode("snapshot", {"seq": joined.seq})])
    hub.publish("wallboard", "seat", {"ext": "1002"})
    assert ops(await sub.take()) == [("snapshot", 0), ("delta", 1), ("delta", 2)]


async def test_a_full_outbox_drops_the_subscriber_and_only_it() -> None:
    hub = Hub()
    slow, fast = Subscriber(limit=3), Subscriber(limit=3)
    for sub in (slow, fast):
        hub.join("wallboard", sub)
        sub.release("wallboard", [])
    for i in range(3):
        hub.publish("wallboard", "tick", {"i": i})
        assert len(await fast.take()) == 1
    assert hub.publish("wallboard", "tick", {"i": 3}) == 1  # the slow one overflowed here
    assert slow.dropped and slow.drop_reason == "outbox full"
    assert await slow.take() == []
    assert hub.dropped == 1
    assert hub.subscriber_count("wallboard") == 1
    assert ops(await fast.take()) == [("delta", 4)]


async def test_take_waits_for_a_frame() -> None:
    sub = Subscriber()
    waiter = asyncio.create_task(sub.take())
    await asyncio.sleep(0)
    assert not waiter.done()
    sub.push("x")
    assert await waiter == ["x"]


async def test_direct_path_writes_prepared_frames_and_keeps_order_behind_queued_ones() -> None:
    written: list[bytes] = []
    accept = [True]

    def write(frame: bytes) -> bool:
        written.append(frame)
        return accept[0]

    hub = Hub()
    sub = Subscriber(direct=write)
    hub.join("wallboard", sub)
    sub.release("wallboard", [encode("snapshot", {})])  # queued: the writer task sends it
    hub.publish("wallboard", "a", {})  # queue not empty: must queue behind the snapshot
    assert written == []
    frames = await sub.take()
    assert [json.loads(f)["op"] for f in frames] == ["snapshot", "delta"]
    hub.publish("wallboard", "b", {})  # the writer has not finished sending: still queued
    assert written == []
    sub.sent()
    assert len(await sub.take()) == 1
    sub.sent()
    hub.publish("wallboard", "c", {})
    assert len(written) == 1
    assert json.loads(written[0][2:])["data"]["op"] == "c"
    accept[0] = False  # the socket is too far behind
    hub.publish("wallboard", "d", {})
    assert sub.dropped and sub.drop_reason == "socket buffer full"


def test_replay_after_reconnect_from_the_same_epoch() -> None:
    hub = Hub(replay_size=4)
    for i in range(6):
        hub.publish("wallboard", "tick", {"i": i})
    joined = hub.join("wallboard", Subscriber(), epoch=hub.epoch, since=4)
    assert joined.replay is not None
    assert [json.loads(f)["data"]["seq"] for f in joined.replay] == [5, 6]
    assert hub.join("wallboard", Subscriber(), epoch=hub.epoch, since=6).replay == []
    # Too far behind (seq 2 fell out of the ring), another process, or a future seq: snapshot.
    assert hub.join("wallboard", Subscriber(), epoch=hub.epoch, since=1).replay is None
    assert hub.join("wallboard", Subscriber(), epoch="elsewhere", since=5).replay is None
    assert hub.join("wallboard", Subscriber(), epoch=hub.epoch, since=9).replay is None


def test_invalidate_asks_every_subscriber_to_resync() -> None:
    hub = Hub()
    sub = Subscriber()
    hub.join("seat:1001", sub)
    sub.release("seat:1001", [])
    hub.publish("seat:1001", "seat", {})
    hub.invalidate()
    assert hub.join("seat:1001", Subscriber(), epoch=hub.epoch, since=0).replay is None


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 70000])
def test_text_frame_matches_rfc6455_lengths(size: int) -> None:
    frame = text_frame("a" * size)
    assert frame[0] == 0x81  # FIN + text
    if size < 126:
        assert frame[1] == size and frame[2:] == b"a" * size
    elif size < 65536:
        assert frame[1] == 126 and int.from_bytes(frame[2:4], "big") == size and len(frame) == 4 + size
    else:
        assert frame[1] == 127 and int.from_bytes(frame[2:10], "big") == size and len(frame) == 10 + size


def test_text_frame_counts_utf8_bytes() -> None:
    frame = text_frame("坐席")
    assert frame[1] == 6 and frame[2:].decode() == "坐席"


def test_subscriber_rejects_a_zero_limit() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Subscriber(limit=0)

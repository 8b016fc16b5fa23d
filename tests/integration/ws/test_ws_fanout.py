"""Fan-out: a client that stops reading is dropped and the others get every frame; the bridge
recovers from a lost Redis subscription by telling clients to resync."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket

import pytest
from websockets.asyncio.client import connect

from agent_desk.ws.protocol import CloseCode
from agent_desk.ws.session import SessionConfig
from tests.integration.ws.conftest import Harness, close_code, recv_op, wait_until


def _client_frame(text: str) -> bytes:
    """A masked text frame as RFC 6455 §5.3 requires of clients (a zero mask key is legal)."""
    payload = text.encode()
    assert len(payload) < 126
    return bytes([0x81, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


async def _raw_client_that_never_reads(harness: Harness) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = harness.url.removeprefix("ws://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /ws?token=tok-sup HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    writer.write(_client_frame(json.dumps({"op": "subscribe", "data": {"topic": "wallboard"}})))
    await writer.drain()
    return reader, writer


@pytest.mark.parametrize("session_config", [SessionConfig(outbox_limit=8)])
async def test_a_client_that_stops_reading_is_dropped_and_the_others_get_everything(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-sup"), max_size=None) as fast:
        await recv_op(fast, "hello")
        await fast.send(json.dumps({"op": "subscribe", "data": {"topic": "wallboard"}}))
        await recv_op(fast, "snapshot")
        _reader, slow = await _raw_client_that_never_reads(harness)
        await wait_until(lambda: harness.hub.subscriber_count("wallboard") == 2, "both subscribed")

        blob = "座" * 100_000  # 300 kB a frame: the slow socket's buffers fill after a few dozen
        total = 80
        got = []
        try:
            for i in range(total):
                # Paced by the fast client: it is never behind, only the one that stopped reading is.
                await harness.publish("wallboard", "tick", {"i": i, "blob": blob})
                got.append((await recv_op(fast, "delta"))["data"]["data"]["i"])
        finally:
            slow.close()
        assert got == list(range(total))
        assert harness.hub.dropped == 1
        assert harness.hub.subscriber_count("wallboard") == 1


async def test_a_lost_redis_subscription_makes_clients_resync(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-sup")) as ws:
        await recv_op(ws, "hello")
        await ws.send(json.dumps({"op": "subscribe", "data": {"topic": "wallboard"}}))
        await recv_op(ws, "snapshot")
        name = f"wsbridge-{harness.prefix.strip(':')}"
        killed = 0
        for client in await harness.redis.client_list(_type="pubsub"):
            if client.get("name") == name:
                await harness.redis.client_kill_filter(_id=client["id"])
                killed += 1
        assert killed == 1
        resync = await recv_op(ws, "resync")
        assert resync["data"] == {"topic": "wallboard"}
        await asyncio.wait_for(harness.bridge.ready.wait(), 10)
        await ws.send(json.dumps({"op": "subscribe", "data": {"topic": "wallboard"}}))
        await recv_op(ws, "snapshot")
        await harness.publish("wallboard", "queue", {"name": "q-general"})
        assert (await recv_op(ws, "delta"))["data"]["op"] == "queue"


async def test_a_refused_subscription_leaves_nothing_behind(harness: Harness) -> None:
    async with connect(harness.ws_url(token="tok-1001")) as ws:
        await recv_op(ws, "hello")
        await ws.send(json.dumps({"op": "subscribe", "data": {"topic": "wallboard"}}))
        assert await close_code(ws) == CloseCode.FORBIDDEN
    assert harness.hub.subscriber_count("wallboard") == 0

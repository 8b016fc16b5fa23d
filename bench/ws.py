"""Wallboard fan-out: N websocket clients, updates published to Redis at a fixed rate.

`python -m bench ws [--clients 1000] [--rate 50] [--seconds 10] [--server hub|broadcast|both]`

The server runs in its own process pinned to one core: `hub` is the project's path (uvicorn +
FastAPI `/ws` + `agent_desk.ws` hub fed by its one Redis subscription); `broadcast` is the
reference, a plain `websockets` server calling `websockets.broadcast` from the same Redis feed.
This process (pinned to the other core) publishes the updates and runs the clients: minimal
RFC 6455 clients on raw asyncio protocols, so the client side is not what limits the figures.
Printed: delivery latency (publish → client parsed the frame) percentiles, and frames delivered
per CPU-second of the server process (user + system time from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import statistics
import struct
import sys
import time
import uuid
from typing import Any, cast

from redis.asyncio import Redis

CHANNEL_SUFFIX = "bench:wallboard"


# ---------------------------------------------------------------- server side (own process)


def _pin(cpu: int) -> None:
    # One core for the server, the other for clients and publisher (a 2-core machine).
    with contextlib.suppress(AttributeError, OSError):
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {available[cpu % len(available)]})


async def _serve_hub(redis_url: str, channel: str) -> None:
    import uvicorn
    from fastapi import FastAPI

    from agent_desk.ws.access import Principal
    from agent_desk.ws.bridge import RedisBridge, Routed
    from agent_desk.ws.fastpath import FanoutWebSocketProtocol
    from agent_desk.ws.hub import Hub
    from agent_desk.ws.routes import ws_router
    from agent_desk.ws.service import WsService
    from agent_desk.ws.session import SessionConfig, SessionDeps

    who = Principal(username="bench", role="supervisor")

    async def authenticate(_token: str) -> Principal:
        return who

    async def snapshot(topic: str, _who: Principal) -> dict[str, Any]:
        return {"topic": topic}

    def route(_channel: str, message: dict[str, Any]) -> list[Routed]:
        return [Routed("wallboard", message["op"], message.get("data"))]

    redis = Redis.from_url(redis_url)

    async def build(_app: Any) -> WsService:
        hub = Hub()
        deps = SessionDeps(
            hub, authenticate, snapshot, None, SessionConfig(heartbeat_s=60.0, outbox_limit=1024)
        )
        return WsService(deps, RedisBridge(redis, hub, [channel], route))

    app = FastAPI()
    app.include_router(ws_router(build))
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ws=FanoutWebSocketProtocol,
        ws_per_message_deflate=False,
        loop="uvloop",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(3000):
        if server.started:
            break
        await asyncio.sleep(0.01)
    print("PORT", server.servers[0].sockets[0].getsockname()[1], flush=True)
    await task


async def _serve_broadcast(redis_url: str, channel: str) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            await ws.send(json.dumps({"op": "snapshot", "data": {}}))
            async for _ in ws:
                pass
        finally:
            clients.discard(ws)

    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.psubscribe(channel)
    seq = 0
    async with serve(handler, "127.0.0.1", 0, compression=None, max_queue=None, ping_interval=60) as server:
        print("PORT", next(iter(server.sockets)).getsockname()[1], flush=True)
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None or message.get("type") != "pmessage":
                continue
            seq += 1
            # Same work per update as the hub: decode, wrap in a delta, encode once, send to all.
            inner = json.loads(message["data"])
            frame = json.dumps(
                {
                    "op": "delta",
                    "data": {"topic": "wallboard", "seq": seq, "op": inner["op"], "data": inner["data"]},
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            broadcast(clients, frame)


def _server_main(kind: str, redis_url: str, channel: str) -> int:
    import uvloop

    _pin(0)
    runner = _serve_hub if kind == "hub" else _serve_broadcast
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(runner(redis_url, channel))
    return 0


# ---------------------------------------------------------------- client side (this process)


class _Client(asyncio.Protocol):
    """Just enough RFC 6455 to count frames and timestamp them: server frames are unmasked."""

    def __init__(self, stats: _Stats, path: str, subscribe: bool) -> None:
        self._stats = stats
        self._path = path
        self._subscribe = subscribe
        self._buf = bytearray()
        self._upgraded = False
        self.ready = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(
            (
                f"GET {self._path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode())

    def _send(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None and len(payload) < 126
        # RFC 6455 §5.3: clients mask; an all-zero key leaves the payload as is.
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if not self._upgraded:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self._buf.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(RuntimeError(self._buf[:200].decode(errors="replace")))
                return
            del self._buf[: end + 4]
            self._upgraded = True
        self._frames()

    def _frames(self) -> None:
        buf = self._buf
        pos = 0
        n = len(buf)
        while n - pos >= 2:
            opcode = buf[pos] & 0x0F
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if n - pos < 4:
                    break
                length = struct.unpack_from("!H", buf, pos + 2)[0]
                head = 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = struct.unpack_from("!Q", buf, pos + 2)[0]
                head = 10
            if n - pos < head + length:
                break
            start = pos + head
            pos = start + length
            if opcode == 0x1:
                if buf.startswith(b'{"op":"delta"', start):
                    self._on_delta(buf, start, pos)
                else:
                    self._on_text(bytes(buf[start:pos]))
            elif opcode == 0x9:
                self._send(0xA, bytes(buf[start:pos]))
            elif opcode == 0x8:
                self._stats.closed += 1
        del buf[:pos]

    def _on_delta(self, buf: bytearray, start: int, end: int) -> None:
        # Only the publish time matters here; a full JSON parse would make the clients the bottleneck.
        i = buf.find(b'"t":', start, end)
        if i < 0:
            return
        j = buf.find(b",", i, end)
        self._stats.record(time.monotonic() - float(buf[i + 4 : j]))

    def _on_text(self, payload: bytes) -> None:
        frame = json.loads(payload)
        op = frame["op"]
        if op == "snapshot" and not self.ready.done():
            self.ready.set_result(None)
        elif op == "hello" and self._subscribe:
            self.send_text('{"op":"subscribe","data":{"topic":"wallboard"}}')
        elif op == "ping":
            self.send_text('{"op":"pong","data":{}}')

    def connection_lost(self, exc: Exception | None) -> None:
        self._stats.lost += 1
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before the snapshot: {exc}"))


class _Stats:
    def __init__(self) -> None:
        self.measuring = False
        self.latencies: list[float] = []
        self.frames = 0
        self.closed = 0
        self.lost = 0

    def record(self, latency: float) -> None:
        if self.measuring:
            self.frames += 1
            self.latencies.append(latency)


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of proc(5) (utime, stime), counted after the ")" of the command name.
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


async def _connect_all(port: int, count: int, stats: _Stats, subscribe: bool) -> list[_Client]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(50)
    clients: list[_Client] = []

    async def one() -> None:
        async with gate:
            _, client = await loop.create_connection(
                lambda: _Client(stats, "/ws?token=bench", subscribe), "127.0.0.1", port
            )
            clients.append(client)
            await asyncio.wait_for(client.ready, 30)

    await asyncio.gather(*(one() for _ in range(count)))
    return clients


async def _run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    redis_url = args.redis_url
    channel = f"bench:{uuid.uuid4().hex[:8]}:{CHANNEL_SUFFIX}"
    proc = await asyncio.create_subprocess_exec(
        *(
            sys.executable,
            "-m",
            "bench",
            "ws",
            "--serve",
            kind,
            "--redis-url",
            redis_url,
            "--channel",
            channel,
        ),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the {kind} server did not start: {line!r}")
        port = int(line.split()[1])
        stats = _Stats()
        clients = await _connect_all(port, args.clients, stats, subscribe=(kind == "hub"))
        redis = Redis.from_url(redis_url)
        interval = 1.0 / args.rate
        payload_queues = [{"name": f"q-{i}", "waiting": i, "answered": 100 + i} for i in range(3)]

        async def publish_for(seconds: float) -> int:
            sent = 0
            start = time.monotonic()
            while (now := time.monotonic()) - start < seconds:
                data = {"t": now, "queues": payload_queues, "n": sent}
                await redis.publish(channel, json.dumps({"op": "queue_stats", "data": data}))
                sent += 1
                await asyncio.sleep(max(0.0, start + sent * interval - time.monotonic()))
            return sent

        await publish_for(args.warmup)
        await asyncio.sleep(0.3)
        stats.measuring = True
        cpu0 = _cpu_seconds(proc.pid)
        sent = await publish_for(args.seconds)
        await asyncio.sleep(0.5)  # let the last updates arrive
        user1, sys1 = _cpu_seconds(proc.pid)
        user, system = user1 - cpu0[0], sys1 - cpu0[1]
        cpu = user + system
        stats.measuring = False
        await redis.aclose()
        for client in clients:
            if client.transport is not None:
                client.transport.close()
        lat = sorted(stats.latencies)
        expected = sent * args.clients
        return {
            "server": kind,
            "clients": args.clients,
            "updates": sent,
            "frames": stats.frames,
            "missing": expected - stats.frames,
            "p50_ms": 1000 * lat[len(lat) // 2] if lat else float("nan"),
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"),
            "max_ms": 1000 * lat[-1] if lat else float("nan"),
            "mean_ms": 1000 * statistics.fmean(lat) if lat else float("nan"),
            "server_cpu_s": cpu,
            "server_user_s": user,
            "server_sys_s": system,
            "frames_per_cpu_s": stats.frames / cpu if cpu > 0 else float("inf"),
        }
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench ws", description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--rate", type=float, default=50.0, help="updates per second")
    p.add_argument("--seconds", type=float, default=10.0, help="measured window")
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--server", choices=["hub", "broadcast", "both"], default="both")
    p.add_argument("--redis-url", default=os.environ.get("HOTLINE_REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--serve", choices=["hub", "broadcast"], help=argparse.SUPPRESS)
    p.add_argument("--channel", help=argparse.SUPPRESS)
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.serve:
        return _server_main(args.serve, args.redis_url, args.channel)
    if args.clients < 1 or args.rate <= 0 or args.seconds <= 0:
        print("bench ws: --clients, --rate and --seconds must be positive", file=sys.stderr)
        return 2
    import uvloop

    _pin(1)
    kinds = ["hub", "broadcast"] if args.server == "both" else [args.server]
    print(
        f"{'server':<10} {'clients':>7} {'updates':>7} {'frames':>8} {'missing':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'cpu s':>6} {'(user':>6} {'sys)':>5} "
        f"{'frames/cpu-s':>12}"
    )
    for kind in kinds:
        r = uvloop.run(_run(kind, args))
        print(
            f"{r['server']:<10} {r['clients']:>7} {r['updates']:>7} {r['frames']:>8} {r['missing']:>7} "
            f"{r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} {r['max_ms']:>7.1f} {r['server_cpu_s']:>6.2f} "
            f"{r['server_user_s']:>6.2f} {r['server_sys_s']:>5.2f} "
            f"{r['frames_per_cpu_s']:>12,.0f}",
            flush=True,
        )
    return 0

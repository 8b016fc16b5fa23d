"""FastAGI server benchmark: three-command sessions per CPU-second and server overhead.

    python -m bench agi [--sessions 20000] [--concurrency 500] [--media-ms 0]
                        [--servers ours,ours-uvloop,panoramisk,pyst2,bare,bare-uvloop,...]

Each server runs alone in a child process; this process plays Asterisk with `--concurrency`
connections in flight over loopback TCP, each session being the captured shape (environment
block, GET VARIABLE, STREAM FILE, SET VARIABLE). Figures:
- sessions per CPU-second: sessions completed / CPU time (user + system) the server process
  used, so other load on the machine does not distort it;
- overhead per session: for each command, the time from Asterisk's previous write (the
  environment block or the last reply) to the command's arrival, summed over the session.
  It is measured by the client, so it is an upper bound that includes loopback and the
  client's own scheduling at that concurrency.
`bare` / `bare-uvloop` are the floor: a bare `asyncio.Protocol` doing the same exchange (skip the
environment block, write the three commands, close) with no parsing, task, deadline or session
logic: what the event loop and the kernel cost per session. `bare-task` / `bare-task-uvloop` add
what any asyncio handler costs: one task per session awaiting one future per command, still
without parsing. Not in the default list.
With `--media-ms 0` every reply is immediate (saturation: the throughput figure); with e.g.
`--media-ms 420` STREAM FILE takes 0.5-1.5x that long and sessions start spread out, as calls
do (the latency figure).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
import os
import random
import socketserver
import statistics
import sys
import threading
import time
from functools import partial
from multiprocessing.connection import Connection
from typing import Any, cast

from bench._extra import require

ENV = (
    "agi_network: yes\nagi_network_script: ivr\nagi_request: agi://127.0.0.1:4573/ivr\n"
    "agi_channel: PJSIP/world-00000000\nagi_language: en\nagi_type: PJSIP\nagi_uniqueid: 1795326409.0\n"
    "agi_version: 22.10.1\nagi_callerid: 13800000001\nagi_calleridname: 市民\nagi_callingpres: 0\n"
    "agi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\nagi_dnid: 12345\nagi_rdnis: unknown\n"
    "agi_context: from-trunk\nagi_extension: 12345\nagi_priority: 4\nagi_enhanced: 0.0\n"
    "agi_accountcode: \nagi_threadid: 139828519945920\n\n"
).encode()
REPLIES = {
    b"GET VARIABLE": b"200 result=1 (13800000001)\n",
    b"STREAM FILE": b"200 result=0 endpos=3404\n",
    b"SET VARIABLE": b"200 result=1\n",
}
SERVERS = ("ours", "ours-uvloop", "panoramisk", "pyst2")
FLOORS = ("bare", "bare-uvloop", "bare-task", "bare-task-uvloop")
COMMANDS = (
    b"GET VARIABLE CALLERID(num)\n",
    b'STREAM FILE beep ""\n',
    b"SET VARIABLE HOTLINE_QUEUE q-general\n",
)


# --- servers (child processes) ------------------------------------------------------------
def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _serve(kind: str, conn: Connection) -> None:
    if kind == "pyst2":
        _serve_pyst2(conn)
        return
    if kind.endswith("-uvloop"):
        import uvloop

        uvloop.run(_serve_async(kind, conn))
    else:
        asyncio.run(_serve_async(kind, conn))


async def _serve_async(kind: str, conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    if kind.startswith("ours"):
        from ivr.agi import AgiSession
        from ivr.server import FastAgiServer

        async def three(session: AgiSession) -> None:
            await session.get_variable("CALLERID(num)")
            await session.stream_file("beep")
            await session.set_variable("HOTLINE_QUEUE", "q-general")

        probe: list[float] = []
        server = FastAgiServer({"ivr": three}, 5.0, probe=probe)
        port = await server.start("127.0.0.1", 0)
        conn.send(port)
        await loop.run_in_executor(None, _control, conn, probe)
        return
    if kind.startswith("bare"):
        protocol = _BareTask if kind.startswith("bare-task") else _Bare
        bare = await loop.create_server(protocol, "127.0.0.1", 0, backlog=4096, reuse_address=True)
        port = bare.sockets[0].getsockname()[1]
    else:
        from panoramisk.fast_agi import Application

        async def three_pm(request: Any) -> None:
            await request.send_command("GET VARIABLE CALLERID(num)")
            await request.send_command('STREAM FILE beep ""')
            await request.send_command("SET VARIABLE HOTLINE_QUEUE q-general")

        app = Application(loop=loop)
        app.add_route("ivr", three_pm)
        pm = await asyncio.start_server(app.handler, "127.0.0.1", 0, backlog=4096)
        port = pm.sockets[0].getsockname()[1]
    conn.send(port)
    await loop.run_in_executor(None, _control, conn)


class _Bare(asyncio.Protocol):
    """The floor: the same wire exchange as a session, nothing else."""

    def __init__(self) -> None:
        self.buf = b""
        self.sent = -1  # -1 until the environment block has ended
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop: no asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buf += data
        if self.sent < 0:
            end = self.buf.find(b"\n\n")
            if end < 0:
                return
            self.buf = self.buf[end + 2 :]
            self.sent = 0
            self.transport.write(COMMANDS[0])
        while (nl := self.buf.find(b"\n")) >= 0:
            self.buf = self.buf[nl + 1 :]
            self.sent += 1
            if self.sent == len(COMMANDS):
                self.transport.close()
                return
            self.transport.write(COMMANDS[self.sent])


class _BareTask(asyncio.Protocol):
    """The floor of a coroutine handler: a task per session, a future per command."""

    def __init__(self) -> None:
        self.buf = b""
        self.started = False
        self.pending: asyncio.Future[bytes] | None = None
        self.task: asyncio.Task[None] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.started:
            end = self.buf.find(b"\n\n")
            if end < 0:
                return
            self.buf = self.buf[end + 2 :]
            self.started = True
            self.task = asyncio.get_running_loop().create_task(self._session())  # held: tasks are weak
        while (nl := self.buf.find(b"\n")) >= 0:
            line, self.buf = self.buf[:nl], self.buf[nl + 1 :]
            if self.pending is not None:
                self.pending.set_result(line)
                self.pending = None

    async def _session(self) -> None:
        assert self.transport is not None
        for command in COMMANDS:
            self.pending = asyncio.get_running_loop().create_future()
            self.transport.write(command)
            await self.pending
        self.transport.close()


def _control(conn: Connection, probe: list[float] | None = None) -> None:
    """Answers "cpu" with the process CPU time and the server-side overhead probe (seconds per
    session, when the server has one), emptying the probe, until told to "stop"."""
    while True:
        msg = conn.recv()
        if msg == "stop":
            return
        cpu = _cpu()  # first: sorting the probe is the benchmark's work, not the server's
        taken = sorted(probe) if probe is not None else []
        if probe is not None:
            probe.clear()
        conn.send((cpu, taken))


def _serve_pyst2(conn: Connection) -> None:
    from asterisk.agi import AGI

    devnull = open(os.devnull, "w")  # lives as long as the process

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            stream = io.TextIOWrapper(
                self.request.makefile("rwb"), encoding="utf-8", newline="\n", write_through=True
            )
            # AGI.__init__ installs a SIGHUP handler, which only the main thread may do.
            agi = AGI.__new__(AGI)
            agi.stdin, agi.stdout, agi.stderr = stream, stream, devnull
            agi._got_sighup = False
            agi.env = {}
            agi._get_agi_env()
            agi.get_variable("CALLERID(num)")
            agi.stream_file("beep")
            agi.set_variable("HOTLINE_QUEUE", "q-general")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 4096

    server = Server(("127.0.0.1", 0), Handler)
    conn.send(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _control(conn)
    server.shutdown()


# --- Asterisk side (this process) -----------------------------------------------------------
class _Asterisk(asyncio.Protocol):
    def __init__(self, done: asyncio.Future[float], media_s: float) -> None:
        self.done = done
        self.media_s = media_s
        self.buf = b""
        self.last = 0.0
        self.overhead = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(ENV)
        self.last = time.perf_counter()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.overhead += now - self.last
            verb = b" ".join(line.split(b" ", 2)[:2])
            reply = REPLIES.get(verb, b"510 Invalid or unknown command\n")
            if verb == b"STREAM FILE" and self.media_s > 0:
                # The prompt plays for a while, as a real channel does (beep: 0.42 s in the captures).
                # Prompts differ in length: ±50 % keeps the sessions from moving in lock-step.
                delay = self.media_s * random.uniform(0.5, 1.5)
                asyncio.get_running_loop().call_later(delay, self._reply, reply)
            else:
                self._reply(reply)

    def _reply(self, reply: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(reply)
            self.last = time.perf_counter()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if exc is not None:
                self.done.set_exception(exc)
            else:
                self.done.set_result(self.overhead)


async def _drive(
    port: int, sessions: int, concurrency: int, media_s: float = 0.0
) -> tuple[list[float], float]:
    loop = asyncio.get_running_loop()
    overheads: list[float] = []
    remaining = sessions

    async def worker() -> None:
        nonlocal remaining
        if media_s > 0:
            await asyncio.sleep(random.uniform(0, 2 * media_s))  # calls arrive spread out, not at once
        while remaining > 0:
            remaining -= 1
            done: asyncio.Future[float] = loop.create_future()
            await loop.create_connection(partial(_Asterisk, done, media_s), "127.0.0.1", port)
            overheads.append(await done)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return overheads, time.perf_counter() - started


def run_one(kind: str, sessions: int, concurrency: int, media_s: float) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(kind, child), daemon=True)
    proc.start()
    try:
        port = parent.recv()
        asyncio.run(_drive(port, min(200, sessions), min(50, concurrency)))  # warm-up
        parent.send("cpu")
        cpu0, _ = parent.recv()
        overheads, wall = asyncio.run(_drive(port, sessions, concurrency, media_s))
        parent.send("cpu")
        cpu1, inside = parent.recv()
        cpu = cpu1 - cpu0
        parent.send("stop")
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    overheads.sort()
    return {
        "sessions": float(len(overheads)),
        "per_cpu_s": len(overheads) / cpu if cpu > 0 else float("inf"),
        "per_wall_s": len(overheads) / wall,
        "p50_ms": statistics.median(overheads) * 1000,
        "p99_ms": _p99(overheads) * 1000,
        "server_p50_ms": statistics.median(inside) * 1000 if inside else float("nan"),
        "server_p99_ms": _p99(inside) * 1000 if inside else float("nan"),
    }


def _p99(values: list[float]) -> float:
    return values[max(0, int(len(values) * 0.99) - 1)]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench agi", description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=20000)
    p.add_argument("--concurrency", type=int, default=500)
    p.add_argument("--servers", default=",".join(SERVERS))
    p.add_argument(
        "--media-ms",
        type=float,
        default=0.0,
        help="how long STREAM FILE plays before its reply (0: saturation; the captured beep is 420)",
    )
    args = p.parse_args(argv)
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    unknown = set(kinds) - set(SERVERS) - set(FLOORS)
    if unknown or args.sessions < 100 or args.concurrency < 1:
        print(
            f"servers must be among {', '.join(SERVERS + FLOORS)}; sessions >= 100; concurrency >= 1",
            file=sys.stderr,
        )
        return 2
    if "panoramisk" in kinds:
        require("agi", "panoramisk")  # before any child process is spawned
    print(
        f"{args.sessions} three-command FastAGI sessions, {args.concurrency} concurrent, loopback TCP, "
        f"STREAM FILE plays {args.media_ms:.0f} ms"
    )
    print(
        "overhead per session in ms: as the client sees it (client p50/p99) and, for ours, inside the server"
    )
    print(
        f"{'server':<12} {'sessions/CPU-s':>15} {'sessions/s':>11} {'client p50':>11} {'client p99':>11}"
        f" {'server p50':>11} {'server p99':>11}"
    )
    for kind in kinds:
        r = run_one(kind, args.sessions, args.concurrency, args.media_ms / 1000)
        print(
            f"{kind:<12} {r['per_cpu_s']:>15,.0f} {r['per_wall_s']:>11,.0f}"
            f" {r['p50_ms']:>11.2f} {r['p99_ms']:>11.2f}"
            f" {r['server_p50_ms']:>11.3f} {r['server_p99_ms']:>11.3f}",
            flush=True,
        )
    return 0

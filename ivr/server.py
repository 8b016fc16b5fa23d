"""FastAGI server on asyncio: one protocol object per Asterisk connection, one task per session.

Built on `asyncio.Protocol` rather than streams or panoramisk: the reader is a callback that
splits lines and resolves the one pending command, so a session costs one task and one future
per command (bench/agi.py measures it against panoramisk and pyst2). Robustness rules (issue 4):
- a client that closes before the environment block ends just goes away (panoramisk 1.4 spins
  forever there), and an oversized or garbage block closes the connection;
- ``HANGUP`` lines mark the session dead, ``511`` replies raise `AgiHangup`;
- every command has a deadline (settings.agi_command_timeout_s plus its media time);
- a failing flow is logged and the connection closed: Asterisk's AGI() returns and the dialplan
  takes its fallback (empty HOTLINE_QUEUE → default queue). Nothing a session does reaches the
  listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from core.handoff import HandoffProducer
from core.settings import Settings
from ivr.agi import (
    CODE_USAGE,
    AgiError,
    AgiHangup,
    AgiProtocolError,
    AgiReply,
    AgiSession,
    AgiTimeout,
    Handler,
    parse_environment,
    parse_reply,
)
from tickets.db import Database

log = logging.getLogger(__name__)

MAX_ENV_BYTES = 16 * 1024  # a real block is ~600 bytes
MAX_LINE_BYTES = 8 * 1024
ENV_TIMEOUT_S = 10.0  # a client that connects and sends nothing is dropped


@dataclass(slots=True)
class ServerStats:
    sessions: int = 0
    completed: int = 0
    hangups: int = 0
    timeouts: int = 0
    failures: int = 0
    rejected: int = 0


class _Connection(asyncio.Protocol):
    """One FastAGI connection: environment block, then strictly one command in flight.

    Deadlines are plain floats checked by the server's sweeper instead of one timer handle per
    command: at thousands of sessions a heap push and cancel per command is measurable.
    """

    __slots__ = (
        "_buf",
        "_deadline",
        "_env_done",
        "_hung_up",
        "_overhead",
        "_pending",
        "_pending_line",
        "_server",
        "_since",
        "_task",
        "_transport",
        "_usage",
    )

    def __init__(self, server: FastAgiServer) -> None:
        self._server = server
        self._buf = b""
        self._env_done = False
        self._transport: asyncio.Transport | None = None
        self._pending: asyncio.Future[AgiReply] | None = None
        self._pending_line = ""
        self._deadline = 0.0  # loop time; 0 = nothing awaited
        self._hung_up = False
        self._usage: list[str] | None = None
        self._since = 0.0  # when the server got the data it now acts on (overhead probe)
        self._task: asyncio.Task[None] | None = None
        self._overhead = 0.0

    # --- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing asyncio.Transport.
        self._transport = cast(asyncio.Transport, transport)
        server = self._server
        server._connections.add(self)
        server._idle.clear()
        self._deadline = server._loop.time() + server.env_timeout_s

    def data_received(self, data: bytes) -> None:
        # A reply nearly always arrives whole in one segment: then the buffer is empty and
        # concatenating would copy for nothing.
        buf = self._buf + data if self._buf else data
        if not self._env_done:
            end = buf.find(b"\n\n")
            if end < 0:
                self._buf = buf
                if len(buf) > MAX_ENV_BYTES:
                    self._reject("environment block too large")
                return
            self._buf = b""
            self._deadline = 0.0
            self._start(buf[:end])
            if not self._env_done:
                return
            buf = buf[end + 2 :]
        if buf:
            self._lines(buf)

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            log.debug("fastagi: connection lost: %s", exc)
        self._hung_up = True
        self._deadline = 0.0
        server = self._server
        server._connections.discard(self)
        if not server._connections:
            server._idle.set()
        if self._pending is not None:  # most sessions end with nothing awaited: no exception to build
            self._fail(AgiHangup("Asterisk closed the connection"))

    # --- environment ------------------------------------------------------------------------
    def _start(self, raw: bytes) -> None:
        try:
            env = parse_environment(raw.decode("utf-8", "replace"))
        except AgiProtocolError as exc:
            self._reject(str(exc))
            return
        handler = self._server.routes.get(env.script)
        if handler is None:
            self._reject(f"no route for script {env.script!r}")
            return
        self._env_done = True
        if self._server.probe is not None:
            self._since = time.perf_counter()
        session = AgiSession(env, self, self._server.command_timeout_s)
        # `_run` removes its own task from the set when it ends: a done callback would cost one
        # more loop callback per session. close() clears what a cancel-before-start leaves.
        self._task = task = self._server._loop.create_task(self._run(handler, session))
        self._server._tasks.add(task)

    def _reject(self, why: str) -> None:
        self._server.stats.rejected += 1
        self._deadline = 0.0
        log.warning("fastagi: closing connection: %s", why)
        if self._transport is not None:
            self._transport.close()

    async def _run(self, handler: Handler, session: AgiSession) -> None:
        stats = self._server.stats
        stats.sessions += 1
        env = session.env
        try:
            await handler(session)
            stats.completed += 1
        except AgiHangup:
            stats.hangups += 1
            log.info("fastagi: %s %s: caller hung up", env.script, env.uniqueid)
        except AgiTimeout as exc:
            stats.timeouts += 1
            log.warning("fastagi: %s %s: %s", env.script, env.uniqueid, exc)
        except AgiError as exc:
            stats.failures += 1
            log.warning("fastagi: %s %s: %s", env.script, env.uniqueid, exc)
        except Exception:
            stats.failures += 1
            log.exception(
                "fastagi: %s %s: flow failed; the dialplan takes its fallback", env.script, env.uniqueid
            )
        finally:
            self._deadline = 0.0
            if self._transport is not None:
                self._transport.close()
            if self._task is not None:  # not asyncio.current_task(): that costs a getpid() syscall
                self._server._tasks.discard(self._task)
                self._task = None
            probe = self._server.probe
            if probe is not None:
                probe.append(self._overhead + time.perf_counter() - self._since)

    # --- replies ----------------------------------------------------------------------------
    def _lines(self, buf: bytes) -> None:
        # Walks `buf` by offset (no re-slice of the rest per line) and keeps only the partial
        # tail. `_line` never reads `_buf`, and resolving a future runs nothing synchronously.
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            self._line(buf[start:nl].decode("utf-8", "replace").rstrip("\r"))
            start = nl + 1
        rest = buf[start:] if start else buf
        if len(rest) > MAX_LINE_BYTES:
            self._buf = b""
            self._fail(AgiProtocolError("reply line too long"))
            return
        self._buf = rest

    def _line(self, line: str) -> None:
        if self._usage is not None:
            # 520 usage block: collect until the closing "520 " line.
            self._usage.append(line)
            if line.startswith("520 "):
                text = "\n".join(self._usage)
                self._usage = None
                self._resolve(AgiReply(code=CODE_USAGE, data=text, raw=text))
            return
        if line == "HANGUP":
            self._hung_up = True
            return
        if not line:
            return
        if line.startswith("520-"):
            self._usage = [line]
            return
        try:
            reply = parse_reply(line)
        except AgiProtocolError as exc:
            self._fail(exc)
            return
        if reply.code == 100:  # "100 result=0 Trying..." precedes the real reply
            return
        self._resolve(reply)

    def _resolve(self, reply: AgiReply) -> None:
        fut = self._pending
        if fut is None:
            log.debug("fastagi: unsolicited line %r", reply.raw)
            return
        self._pending = None
        self._deadline = 0.0
        if self._server.probe is not None:
            self._since = time.perf_counter()
        if not fut.done():
            fut.set_result(reply)

    def _fail(self, exc: Exception) -> None:
        fut = self._pending
        self._pending = None
        self._deadline = 0.0
        if fut is not None and not fut.done():
            fut.set_exception(exc)

    def _expire(self) -> None:
        """Called by the sweeper once `_deadline` has passed."""
        if self._env_done:
            budget = self._server.command_timeout_s
            self._fail(
                AgiTimeout(f"no reply to {self._pending_line.split(' ', 2)[:2]} in time (>{budget:.1f} s)")
            )
        else:
            self._reject("no environment block in time")

    # --- ivr.agi.Channel ----------------------------------------------------------------------
    @property
    def hung_up(self) -> bool:
        return self._hung_up

    def command(self, line: str, budget_s: float) -> asyncio.Future[AgiReply]:
        server = self._server
        fut: asyncio.Future[AgiReply] = server._loop.create_future()
        transport = self._transport
        if transport is None or transport.is_closing():
            fut.set_exception(AgiHangup("connection is closed"))
            return fut
        if self._pending is not None:
            fut.set_exception(AgiProtocolError("a command is already in flight"))
            return fut
        if "\n" in line or "\r" in line:
            fut.set_exception(ValueError(f"AGI command contains a line break: {line!r}"))
            return fut
        self._pending = fut
        self._pending_line = line
        self._deadline = server._loop.time() + budget_s
        transport.write(line.encode("utf-8") + b"\n")
        if server.probe is not None:
            self._overhead += time.perf_counter() - self._since
        return fut

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class FastAgiServer:
    """Listens for Asterisk's FastAGI connections and runs the routed handler per session.

    `probe`, when a list, collects each session's server overhead in seconds: the time from
    receiving the environment block or a reply to writing the next command, summed, plus the
    time to close after the last reply (bench/agi.py reads it).
    """

    def __init__(
        self,
        routes: Mapping[str, Handler],
        command_timeout_s: float = 5.0,
        env_timeout_s: float = ENV_TIMEOUT_S,
        probe: list[float] | None = None,
    ) -> None:
        if command_timeout_s <= 0 or env_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        self.routes = dict(routes)
        self.command_timeout_s = command_timeout_s
        self.env_timeout_s = env_timeout_s
        self.probe = probe
        self.stats = ServerStats()
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.get_running_loop()
        self._idle = asyncio.Event()
        self._idle.set()
        self._sweeper: asyncio.Task[None] | None = None
        # Deadlines are checked this often, so a timeout fires at most one tick late.
        self._tick = min(0.25, command_timeout_s / 4, env_timeout_s / 4)

    async def start(self, host: str = "127.0.0.1", port: int = 0, backlog: int = 4096) -> int:
        """Binds and starts accepting; returns the bound port (use 0 in tests)."""
        self._server = await self._loop.create_server(
            lambda: _Connection(self), host, port, backlog=backlog, reuse_address=True
        )
        self._sweeper = self._loop.create_task(self._sweep())
        sock = self._server.sockets[0]
        bound: int = sock.getsockname()[1]
        log.info("fastagi: listening on %s:%d (%s)", host, bound, ", ".join(sorted(self.routes)))
        return bound

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            now = self._loop.time()
            for conn in [c for c in self._connections if 0.0 < c._deadline <= now]:
                conn._deadline = 0.0
                conn._expire()

    @property
    def active_connections(self) -> int:
        return len(self._connections)

    @property
    def active_sessions(self) -> int:
        return len(self._tasks)

    async def wait_idle(self) -> None:
        """Returns once no connection is open (graceful drain, tests)."""
        await self._idle.wait()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self._tasks):
            task.cancel()
        for conn in list(self._connections):
            conn.abort()
        pending = [*self._tasks, *([self._sweeper] if self._sweeper else [])]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()  # a task cancelled before its first step never ran `_run`'s finally
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()


async def serve_fastagi(
    settings: Settings,
    redis: Redis,  # noqa: ARG001  # the role signature; the IVR reaches Redis only through `producer`
    db: Database,
    producer: HandoffProducer,
) -> None:
    """The `agi` role: serves the intake and survey flows until cancelled."""
    from ivr.app import build_deps, routes_for

    deps, speech = await build_deps(settings, db, producer)
    server = FastAgiServer(routes_for(deps), settings.agi_command_timeout_s)
    try:
        await server.start(settings.agi_host, settings.agi_port)
        await asyncio.Future()  # until cancelled
    finally:
        await server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(deps.drain(), 5.0)
        speech.close()

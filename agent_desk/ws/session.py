"""One websocket connection, from accept to close (after wazo-websocketd's session life cycle).

accept → token (query `?token=` or a first `auth` frame) → `hello` → three tasks until the first
ends: the reader (client frames, each re-authorised), the writer (drains the outbox) and the
heartbeat (server `ping`; silence for two beats closes the socket). A subscription registers
before its snapshot is read, so nothing published meanwhile is lost (see protocol.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.websockets import WebSocket, WebSocketDisconnect

from agent_desk.ws.access import (
    Authenticator,
    AuthError,
    MalformedAuth,
    Principal,
    may_command,
    may_subscribe,
)
from agent_desk.ws.hub import DirectWrite, Hub, Subscriber
from agent_desk.ws.protocol import (
    PROTOCOL_VERSION,
    RAW_WRITE_EXTENSION,
    AuthMessage,
    ClientFrame,
    CloseCode,
    CommandMessage,
    ProtocolError,
    SubscribeMessage,
    UnsubscribeMessage,
    decode_client,
    encode,
    parse_data,
    parse_version,
)

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

SnapshotSource = Callable[[str, Principal], Awaitable[dict[str, Any]]]
CommandRunner = Callable[[Principal, str, dict[str, Any]], Awaitable[dict[str, Any]]]


class CommandError(Exception):
    """A command was allowed but could not be carried out; the message is shown to the user."""


@dataclass
class SessionConfig:
    heartbeat_s: float = 20.0
    auth_timeout_s: float = 10.0
    outbox_limit: int = 256
    max_commands_in_flight: int = 4
    close_timeout_s: float = 2.0
    # With the fast path (agent_desk.ws.fastpath), a client this many bytes behind is dropped.
    socket_buffer_limit: int = 1 << 20
    direct_writes: bool = True


@dataclass
class SessionDeps:
    hub: Hub
    authenticate: Authenticator
    snapshot: SnapshotSource
    commands: CommandRunner | None
    config: SessionConfig


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Disconnected(Exception):
    pass


class Session:
    def __init__(self, deps: SessionDeps, websocket: WebSocket) -> None:
        self._deps = deps
        self._ws = websocket
        self._hub = deps.hub
        self._sub = Subscriber(deps.config.outbox_limit, self._direct_writer(websocket, deps.config))
        self._token = ""
        self._principal: Principal | None = None
        self._loop = asyncio.get_running_loop()
        self._last_heard = self._loop.time()
        self._commands: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        await self._ws.accept()
        try:
            await self._run()
        except _Close as close:
            log.info("ws: closing %s (%d %s)", self._who(), close.code, close.reason)
            await self._close(close.code, close.reason)
            if close.code == CloseCode.SLOW_CLIENT:
                self._abort()
        except _Disconnected:
            pass
        finally:
            self._hub.remove(self._sub)
            for task in self._commands:
                task.cancel()

    @staticmethod
    def _direct_writer(websocket: WebSocket, config: SessionConfig) -> DirectWrite | None:
        ext = websocket.scope.get("extensions", {}).get(RAW_WRITE_EXTENSION)
        if not ext or not config.direct_writes:
            return None
        # A C-level partial: this call happens once per client per delta on the fan-out path.
        direct: DirectWrite = functools.partial(ext["write"], buffer_limit=config.socket_buffer_limit)
        return direct

    def _abort(self) -> None:
        ext = self._ws.scope.get("extensions", {}).get(RAW_WRITE_EXTENSION)
        if ext and "abort" in ext:
            ext["abort"]()

    def _who(self) -> str:
        return self._principal.username if self._principal else "anonymous"

    async def _close(self, code: int, reason: str) -> None:
        # The peer may be gone already; there is nobody left to tell then.
        # A client too slow to read its frames may never take the close frame either: bounded wait.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._ws.close(code, reason[:120]), self._deps.config.close_timeout_s)

    async def _run(self) -> None:
        try:
            parse_version(self._ws.query_params.get("version"))
        except ProtocolError as exc:
            raise _Close(CloseCode.PROTOCOL_ERROR, str(exc)) from exc
        self._token = self._ws.query_params.get("token") or await self._first_auth_frame()
        self._principal = await self._authorise()
        self._sub.push(
            encode(
                "hello",
                {
                    "version": PROTOCOL_VERSION,
                    "epoch": self._hub.epoch,
                    "user": self._principal.public(),
                    "heartbeat_s": self._deps.config.heartbeat_s,
                },
            )
        )
        tasks = [
            asyncio.create_task(self._reader(), name="ws-reader"),
            asyncio.create_task(self._writer(), name="ws-writer"),
            asyncio.create_task(self._heartbeat(), name="ws-heartbeat"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()

    async def _receive_text(self) -> str:
        message = await self._ws.receive()
        if message["type"] == "websocket.disconnect":
            raise _Disconnected
        self._last_heard = self._loop.time()
        text = message.get("text")
        if text is None:
            data = message.get("bytes") or b""
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Close(CloseCode.PROTOCOL_ERROR, "binary frame is not UTF-8 JSON") from exc
        return str(text)

    async def _first_auth_frame(self) -> str:
        try:
            raw = await asyncio.wait_for(self._receive_text(), self._deps.config.auth_timeout_s)
        except TimeoutError as exc:
            raise _Close(CloseCode.AUTH_REQUIRED, "no token") from exc
        frame = self._decode(raw)
        if frame.op != "auth":
            raise _Close(CloseCode.AUTH_REQUIRED, f"expected 'auth' first, got {frame.op!r}")
        return self._parse(AuthMessage, frame).token

    async def _authorise(self) -> Principal:
        try:
            return await self._deps.authenticate(self._token)
        except MalformedAuth as exc:
            raise _Close(CloseCode.AUTH_REQUIRED, str(exc) or "malformed token") from exc
        except AuthError as exc:
            raise _Close(CloseCode.AUTH_FAILED, str(exc) or "authentication failed") from exc

    @staticmethod
    def _decode(raw: str) -> ClientFrame:
        try:
            return decode_client(raw)
        except ProtocolError as exc:
            raise _Close(CloseCode.PROTOCOL_ERROR, str(exc)) from exc

    @staticmethod
    def _parse(model: type[M], frame: ClientFrame) -> M:
        try:
            return parse_data(model, frame)
        except ProtocolError as exc:
            raise _Close(CloseCode.PROTOCOL_ERROR, str(exc)) from exc

    async def _writer(self) -> None:
        send = self._ws.send
        while True:
            frames = await self._sub.take()
            if not frames:
                raise _Close(CloseCode.SLOW_CLIENT, self._sub.drop_reason or "dropped")
            try:
                for frame in frames:
                    await send({"type": "websocket.send", "text": frame})
            except (WebSocketDisconnect, OSError, RuntimeError) as exc:
                # Starlette raises RuntimeError once the socket is closed under it.
                raise _Disconnected from exc
            self._sub.sent()

    async def _heartbeat(self) -> None:
        beat = self._deps.config.heartbeat_s
        ping = encode("ping", {})
        while True:
            await asyncio.sleep(beat)
            if self._loop.time() - self._last_heard > 2 * beat:
                raise _Close(CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout")
            self._sub.push(ping)

    async def _reader(self) -> None:
        while True:
            frame = self._decode(await self._receive_text())
            # Every message is authorised again: a token revoked or expired mid-session stops here,
            # and a role that changed in the account loses the topics it no longer may watch.
            self._principal = await self._authorise()
            for topic in list(self._sub.topics):
                if not may_subscribe(self._principal, topic):
                    raise _Close(CloseCode.FORBIDDEN, f"topic {topic!r} no longer allowed")
            await self._handle(frame, self._principal)

    async def _handle(self, frame: ClientFrame, who: Principal) -> None:
        if frame.op == "ping":
            self._sub.push(encode("pong", frame.data))
        elif frame.op == "pong":
            return
        elif frame.op == "subscribe":
            await self._subscribe(who, self._parse(SubscribeMessage, frame))
        elif frame.op == "unsubscribe":
            msg = self._parse(UnsubscribeMessage, frame)
            self._hub.leave(msg.topic, self._sub)
        elif frame.op == "command":
            self._start_command(who, self._parse(CommandMessage, frame))
        else:  # "auth" again: the token is only given once per connection
            raise _Close(CloseCode.PROTOCOL_ERROR, f"unexpected {frame.op!r}")

    async def _subscribe(self, who: Principal, msg: SubscribeMessage) -> None:
        if not may_subscribe(who, msg.topic):
            raise _Close(CloseCode.FORBIDDEN, f"topic {msg.topic!r} not allowed")
        self._hub.leave(msg.topic, self._sub)
        joined = self._hub.join(msg.topic, self._sub, epoch=msg.epoch, since=msg.seq)
        if joined.replay is not None:
            marker = encode("resumed", {"topic": msg.topic, "epoch": joined.epoch, "seq": joined.seq})
            self._sub.release(msg.topic, [*joined.replay, marker])
            return
        try:
            state = await self._deps.snapshot(msg.topic, who)
        except Exception:
            self._hub.leave(msg.topic, self._sub)
            log.exception("ws: snapshot of %s failed", msg.topic)
            raise _Close(1011, "snapshot unavailable") from None
        snapshot = encode(
            "snapshot", {"topic": msg.topic, "epoch": joined.epoch, "seq": joined.seq, "state": state}
        )
        self._sub.release(msg.topic, [snapshot])

    def _start_command(self, who: Principal, msg: CommandMessage) -> None:
        if not may_command(who, msg.name, msg.args):
            raise _Close(CloseCode.FORBIDDEN, f"command {msg.name!r} not allowed")
        if len(self._commands) >= self._deps.config.max_commands_in_flight:
            self._sub.push(encode("result", {"id": msg.id, "ok": False, "error": "操作过于频繁,请稍候"}))
            return
        task = asyncio.create_task(self._run_command(who, msg))
        self._commands.add(task)
        task.add_done_callback(self._commands.discard)

    async def _run_command(self, who: Principal, msg: CommandMessage) -> None:
        runner = self._deps.commands
        if runner is None:
            self._sub.push(encode("result", {"id": msg.id, "ok": False, "error": "呼叫控制服务未启用"}))
            return
        try:
            data = await runner(who, msg.name, msg.args)
        except CommandError as exc:
            self._sub.push(encode("result", {"id": msg.id, "ok": False, "error": str(exc)}))
            return
        except Exception:
            log.exception("ws: command %s of %s failed", msg.name, who.username)
            self._sub.push(encode("result", {"id": msg.id, "ok": False, "error": "操作失败,请重试"}))
            return
        self._sub.push(encode("result", {"id": msg.id, "ok": True, "data": data}))

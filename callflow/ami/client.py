"""One AMI connection over asyncio streams: banner, login, actions with ActionID correlation, list
responses (`EventList: start` … `…Complete`), keep-alive, and a read loop that hands raw event
blocks to the caller in wire order. Reconnect and back-off live in `callflow.service`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from callflow.ami.protocol import AmiParser, Message, encode_action, parse_block

log = logging.getLogger(__name__)

EventSink = Callable[[list[bytes], float], None]
ListDone = Callable[[Message, list[Message]], None]


class AmiError(Exception):
    """The manager refused something (bad login, failed action) or the connection is unusable."""


class AmiConnectionLost(AmiError):
    pass


@dataclass
class _Pending:
    future: asyncio.Future[Message]
    is_list: bool = False
    items: list[Message] = field(default_factory=list)
    response: Message | None = None
    on_complete: ListDone | None = None
    list_future: asyncio.Future[list[Message]] | None = None


class AmiClient:
    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        on_events: EventSink,
        action_timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
        read_size: int = 65536,
    ) -> None:
        self.host = host
        self.port = port
        self._username = username
        self._secret = secret
        self._on_events = on_events
        self._action_timeout_s = action_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._read_size = read_size
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._parser = AmiParser()
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._prefix = f"hl{id(self) & 0xFFFF:x}-"
        self.banner: str = ""
        self.last_received = 0.0

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    @property
    def parser(self) -> AmiParser:
        return self._parser

    async def connect(self) -> None:
        """Opens the socket and reads the banner."""
        self._parser = AmiParser()
        reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), self._connect_timeout_s
        )
        self._reader = reader
        banner = await asyncio.wait_for(reader.readline(), self._connect_timeout_s)
        self.banner = banner.decode("utf-8", errors="replace").strip()
        if not self.banner.startswith("Asterisk Call Manager/"):
            await self.close()
            raise AmiError(f"not an Asterisk manager (banner {self.banner[:60]!r})")

    async def login(self) -> None:
        """Logs in with events off (filters first, then events on); needs read_loop running."""
        reply = await self.action(
            {"Action": "Login", "Username": self._username, "Secret": self._secret, "Events": "off"}
        )
        if reply.response != "Success":
            raise AmiError(f"AMI login refused: {reply.get('Message') or reply.response}")

    def _next_id(self) -> str:
        return f"{self._prefix}{next(self._ids)}"

    def _write(self, action: Mapping[str, str | list[str]]) -> None:
        if self._writer is None or self._writer.is_closing():
            raise AmiConnectionLost("not connected to the manager")
        self._writer.write(encode_action(action))

    def new_action_id(self) -> str:
        return self._next_id()

    async def action(
        self,
        action: Mapping[str, str | list[str]],
        timeout_s: float | None = None,
        action_id: str | None = None,
    ) -> Message:
        """Sends an action and waits for its `Response` (the read loop must be running).

        Pass `action_id` (from `new_action_id`) to recognise later events of the same action, e.g.
        the OriginateResponse of an Async Originate.
        """
        action_id = action_id or self._next_id()
        loop = asyncio.get_running_loop()
        pending = _Pending(future=loop.create_future())
        self._pending[action_id] = pending
        try:
            self._write({**action, "ActionID": action_id})
            return await asyncio.wait_for(pending.future, timeout_s or self._action_timeout_s)
        except TimeoutError as exc:
            raise AmiError(f"no response to {action.get('Action')} within the timeout") from exc
        finally:
            self._pending.pop(action_id, None)

    async def list_action(
        self,
        action: Mapping[str, str | list[str]],
        on_complete: ListDone | None = None,
        timeout_s: float | None = None,
    ) -> list[Message]:
        """Sends a list action (QueueStatus, CoreShowChannels...) and returns its item events.

        `on_complete` runs inside the read loop at the exact point the list ends on the wire, so a
        snapshot is applied in order with the events around it.
        """
        action_id = self._next_id()
        loop = asyncio.get_running_loop()
        pending = _Pending(
            future=loop.create_future(),
            is_list=True,
            on_complete=on_complete,
            list_future=loop.create_future(),
        )
        self._pending[action_id] = pending
        try:
            self._write({**action, "ActionID": action_id})
            assert pending.list_future is not None
            return await asyncio.wait_for(pending.list_future, timeout_s or self._action_timeout_s)
        except TimeoutError as exc:
            raise AmiError(f"no complete list for {action.get('Action')} within the timeout") from exc
        finally:
            self._pending.pop(action_id, None)

    def send_nowait(self, action: Mapping[str, str | list[str]]) -> str:
        """Fire-and-forget (e.g. Async Originate whose outcome arrives later as an event)."""
        action_id = self._next_id()
        self._write({**action, "ActionID": action_id})
        return action_id

    async def read_loop(self) -> None:
        """Reads until the peer closes; raises AmiConnectionLost then."""
        reader = self._reader
        if reader is None:
            raise AmiConnectionLost("not connected")
        try:
            while True:
                data = await reader.read(self._read_size)
                if not data:
                    raise AmiConnectionLost("manager closed the connection")
                received = time.perf_counter()
                self.last_received = time.monotonic()
                self._handle_blocks(self._parser.feed(data), received)
        except (ConnectionError, OSError) as exc:
            raise AmiConnectionLost(str(exc)) from exc
        finally:
            self._fail_pending(AmiConnectionLost("connection lost"))

    def _handle_blocks(self, blocks: list[bytes], received: float) -> None:
        events: list[bytes] = []
        for block in blocks:
            if block.startswith(b"Event: ") and (not self._pending or b"ActionID: " not in block):
                events.append(block)
                continue
            message = parse_block(block)
            if message is None:
                self._parser.malformed += 1
                continue
            pending = self._pending.get(message.action_id or "")
            if pending is None:
                if message.name is not None:
                    events.append(block)  # e.g. OriginateResponse of a fire-and-forget Originate
                continue
            # Flush the events before this reply, so list snapshots land in wire order.
            if events:
                self._on_events(events, received)
                events = []
            self._route(pending, message)
        if events:
            self._on_events(events, received)

    def _route(self, pending: _Pending, message: Message) -> None:
        if message.name is None:
            pending.response = message
            if not pending.future.done():
                pending.future.set_result(message)
            if pending.is_list and message.response != "Success":
                self._finish_list(pending, message, error=True)
            elif pending.is_list and message.get("EventList") == "Complete":
                self._finish_list(pending, message)
            return
        if not pending.is_list:
            return
        if message.get("EventList") == "Complete" or message.name.endswith("Complete"):
            self._finish_list(pending, message)
        else:
            pending.items.append(message)

    def _finish_list(self, pending: _Pending, message: Message, error: bool = False) -> None:
        assert pending.list_future is not None
        if pending.list_future.done():
            return
        if error:
            pending.list_future.set_exception(AmiError(message.get("Message") or "list action failed"))
            return
        if pending.on_complete is not None:
            try:
                pending.on_complete(pending.response or message, pending.items)
            except Exception:
                log.exception("ami: snapshot handler failed")
        pending.list_future.set_result(pending.items)

    def _fail_pending(self, exc: Exception) -> None:
        for pending in list(self._pending.values()):
            if pending.list_future is not None:
                if not pending.list_future.done():
                    pending.list_future.set_exception(exc)
            elif not pending.future.done():
                pending.future.set_exception(exc)
        self._pending.clear()

    async def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

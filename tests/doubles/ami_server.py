"""A softswitch test double: a real TCP AMI server replaying a recorded Asterisk 22 capture.

    async with AmiReplayServer(captures / "answered_call", speed=0) as server:
        ... connect a client to server.host:server.port ...
        await server.finished.wait()

It serves the banner, answers actions, and streams the recorded events in order:

- Login checks the secret when `secret` is given; events flow once the session has events on
  (Login without `Events: off`, or the `Events` action) and pass the session's `Filter`s
  (legacy regex whitelist, as Asterisk applies them).
- An action the capture recorded (same Action, best field match, not used yet) gets the recorded
  response and list items, with the ActionID rewritten; later events carrying the recorded
  ActionID (e.g. OriginateResponse) carry the client's.
- QueueStatus and CoreShowChannels that the capture did not record at this point of the replay
  are answered from a model of what has been streamed so far (members, waiting callers, live
  channels), so any scenario can be resynced mid-call after a disconnect.
- Ping, Events, Filter and Logoff are answered as Asterisk does; other write actions are accepted
  with a Success response (tests assert on `server.actions`); unknown ones get Asterisk's error.

`speed=0` streams as fast as possible (several messages per write); `speed=N` replays N times
faster than recorded. `chunk_size` splits every write into pieces of that many bytes (messages and
UTF-8 characters split across reads). `drop_clients(lose_s=...)` cuts the connection and skips the
events of the next `lose_s` recorded seconds, as if Asterisk went on while the client was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

CRLF = "\r\n"
BANNER = "Asterisk Call Manager/11.0.0\r\n"
LIST_ACTIONS = {"queuestatus": "QueueStatusComplete", "coreshowchannels": "CoreShowChannelsComplete"}
GENERIC_OK = {
    "queueadd": "Added interface to queue",
    "queueremove": "Removed interface from queue",
    "queuepause": "Interface paused successfully",
    "redirect": "Redirect successful",
    "bridge": "Channels have been bridged",  # Asterisk 22.10.1's reply to AMI Bridge (hold / resume)
    "originate": "Originate successfully queued",
    "setvar": "Variable Set",
    "hangup": "Channel Hungup",
}
# A recorded list response is only true near the moment it was recorded.
RECORDED_LIST_WINDOW_S = 0.5


def parse_fields(raw: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in raw.split(CRLF):
        key, sep, value = line.partition(": ")
        if sep and key not in fields:
            fields[key] = value
    return fields


def render(fields: dict[str, str] | list[tuple[str, str]]) -> str:
    items = fields.items() if isinstance(fields, dict) else fields
    return "".join(f"{k}: {v}{CRLF}" for k, v in items) + CRLF


@dataclass
class Recorded:
    t: float
    raw: str
    fields: dict[str, str]


@dataclass
class RecordedAction:
    t: float
    fields: dict[str, str]
    response: Recorded | None = None
    items: list[Recorded] = field(default_factory=list)
    used: bool = False

    @property
    def name(self) -> str:
        return self.fields.get("Action", "").lower()


@dataclass
class Capture:
    actions: list[RecordedAction]
    events: list[Recorded]  # what Asterisk sent unprompted, in order

    @classmethod
    def load(cls, directory: Path) -> Capture:
        lines = [
            json.loads(x) for x in (directory / "ami.jsonl").read_text(encoding="utf-8").splitlines() if x
        ]
        by_id: dict[str, RecordedAction] = {}
        actions: list[RecordedAction] = []
        recv: list[Recorded] = []
        for line in lines:
            raw: str = line["raw"]
            if raw.startswith("Asterisk Call Manager/"):
                continue
            fields = parse_fields(raw)
            if line["dir"] == "send":
                action = RecordedAction(float(line["t"]), fields)
                actions.append(action)
                if "ActionID" in fields:
                    by_id[fields["ActionID"]] = action
            else:
                recv.append(Recorded(float(line["t"]), raw, fields))
        events: list[Recorded] = []
        for message in recv:
            owner = by_id.get(message.fields.get("ActionID", ""))
            if "Response" in message.fields and "Event" not in message.fields:
                if owner is not None and owner.response is None:
                    owner.response = message
                continue
            if (
                owner is not None
                and owner.response is not None
                and owner.response.fields.get("EventList") == "start"
            ):
                owner.items.append(message)  # part of a list response, only sent when asked
                continue
            events.append(message)
        return cls(actions, events)


@dataclass
class _Member:
    fields: dict[str, str]


class SwitchModel:
    """What Asterisk would answer to QueueStatus / CoreShowChannels, from the events streamed."""

    def __init__(self) -> None:
        self.members: dict[tuple[str, str], dict[str, str]] = {}
        self.queues: set[str] = set()
        self.entries: dict[str, dict[str, tuple[str, float, dict[str, str]]]] = {}
        self.channels: dict[str, dict[str, str]] = {}
        self.created: dict[str, float] = {}
        self.bridges: dict[str, str] = {}

    def apply(self, t: float, f: dict[str, str]) -> None:
        name = f.get("Event", "")
        if name in ("QueueMemberAdded", "QueueMemberStatus", "QueueMemberPause"):
            self.queues.add(f["Queue"])
            self.members[(f["Queue"], f["Interface"])] = f
        elif name == "QueueMemberRemoved":
            self.members.pop((f.get("Queue", ""), f.get("Interface", "")), None)
        elif name == "QueueCallerJoin":
            self.queues.add(f["Queue"])
            self.entries.setdefault(f["Queue"], {})[f["Uniqueid"]] = (f["Channel"], t, f)
        elif name == "QueueCallerLeave":
            self.entries.get(f.get("Queue", ""), {}).pop(f.get("Uniqueid", ""), None)
        elif name == "Newchannel":
            self.channels[f["Uniqueid"]] = dict(f)
            self.created[f["Uniqueid"]] = t
        elif name == "Hangup":
            self.channels.pop(f.get("Uniqueid", ""), None)
            self.bridges.pop(f.get("Uniqueid", ""), None)
        elif name == "BridgeEnter":
            self.bridges[f.get("Uniqueid", "")] = f.get("BridgeUniqueid", "")
        elif name == "BridgeLeave":
            self.bridges.pop(f.get("Uniqueid", ""), None)
        if name != "Newchannel" and f.get("Uniqueid") in self.channels and "Channel" in f:
            chan = self.channels[f["Uniqueid"]]
            for key in (
                "ChannelState",
                "ChannelStateDesc",
                "CallerIDNum",
                "CallerIDName",
                "ConnectedLineNum",
                "ConnectedLineName",
                "Context",
                "Exten",
                "Priority",
            ):
                if key in f:
                    chan[key] = f[key]
            if name == "Newexten" and "Application" in f:
                chan["Application"] = f["Application"]
                chan["ApplicationData"] = f.get("AppData", "")

    def queue_status(self, action_id: str, now: float) -> list[str]:
        out = [
            render(
                {
                    "Response": "Success",
                    "ActionID": action_id,
                    "EventList": "start",
                    "Message": "Queue status will follow",
                }
            )
        ]
        items = 0
        for queue in sorted(self.queues):
            waiting = self.entries.get(queue, {})
            out.append(
                render(
                    {
                        "Event": "QueueParams",
                        "Queue": queue,
                        "Max": "0",
                        "Strategy": "rrmemory",
                        "Calls": str(len(waiting)),
                        "ActionID": action_id,
                    }
                )
            )
            items += 1
            for (q, _iface), m in sorted(self.members.items()):
                if q != queue:
                    continue
                out.append(
                    render(
                        [
                            ("Event", "QueueMember"),
                            ("Queue", q),
                            ("Name", m.get("MemberName", "")),
                            ("Location", m.get("Interface", "")),
                            ("StateInterface", m.get("StateInterface", "")),
                            ("Membership", m.get("Membership", "dynamic")),
                            ("Penalty", m.get("Penalty", "0")),
                            ("CallsTaken", m.get("CallsTaken", "0")),
                            ("LastCall", m.get("LastCall", "0")),
                            ("LastPause", m.get("LastPause", "0")),
                            ("LoginTime", m.get("LoginTime", "0")),
                            ("InCall", m.get("InCall", "0")),
                            ("Status", m.get("Status", "1")),
                            ("Paused", m.get("Paused", "0")),
                            ("PausedReason", m.get("PausedReason", "")),
                            ("Wrapuptime", m.get("Wrapuptime", "0")),
                            ("ActionID", action_id),
                        ]
                    )
                )
                items += 1
            for position, (uniqueid, (channel, joined, f)) in enumerate(waiting.items(), start=1):
                out.append(
                    render(
                        [
                            ("Event", "QueueEntry"),
                            ("Queue", queue),
                            ("Position", str(position)),
                            ("Channel", channel),
                            ("Uniqueid", uniqueid),
                            ("CallerIDNum", f.get("CallerIDNum", "")),
                            ("CallerIDName", f.get("CallerIDName", "")),
                            ("ConnectedLineNum", "unknown"),
                            ("ConnectedLineName", "unknown"),
                            ("Wait", str(int(max(0.0, now - joined)))),
                            ("Priority", "0"),
                            ("ActionID", action_id),
                        ]
                    )
                )
                items += 1
        out.append(
            render(
                {
                    "Event": "QueueStatusComplete",
                    "ActionID": action_id,
                    "EventList": "Complete",
                    "ListItems": str(items),
                }
            )
        )
        return out

    def core_show_channels(self, action_id: str, now: float) -> list[str]:
        out = [
            render(
                {
                    "Response": "Success",
                    "ActionID": action_id,
                    "EventList": "start",
                    "Message": "Channels will follow",
                }
            )
        ]
        for uniqueid, c in self.channels.items():
            seconds = int(max(0.0, now - self.created.get(uniqueid, now)))
            duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            out.append(
                render(
                    [
                        ("Event", "CoreShowChannel"),
                        ("ActionID", action_id),
                        ("Channel", c["Channel"]),
                        ("ChannelState", c.get("ChannelState", "")),
                        ("ChannelStateDesc", c.get("ChannelStateDesc", "")),
                        ("CallerIDNum", c.get("CallerIDNum", "")),
                        ("CallerIDName", c.get("CallerIDName", "")),
                        ("ConnectedLineNum", c.get("ConnectedLineNum", "")),
                        ("ConnectedLineName", c.get("ConnectedLineName", "")),
                        ("Language", "en"),
                        ("AccountCode", ""),
                        ("Context", c.get("Context", "")),
                        ("Exten", c.get("Exten", "")),
                        ("Priority", c.get("Priority", "1")),
                        ("Uniqueid", uniqueid),
                        ("Linkedid", c.get("Linkedid", uniqueid)),
                        ("Application", c.get("Application", "")),
                        ("ApplicationData", c.get("ApplicationData", "")),
                        ("Duration", duration),
                        ("BridgeId", self.bridges.get(uniqueid, "")),
                    ]
                )
            )
        out.append(
            render(
                {
                    "Event": "CoreShowChannelsComplete",
                    "ActionID": action_id,
                    "EventList": "Complete",
                    "ListItems": str(len(out) - 1),
                }
            )
        )
        return out


@dataclass
class _Session:
    writer: asyncio.StreamWriter
    # One logical write at a time: a reply never lands inside a chunked event.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    logged_in: bool = False
    events_on: bool = False
    filters: list[re.Pattern[str]] = field(default_factory=list)

    def wants(self, raw: str) -> bool:
        if not self.logged_in or not self.events_on:
            return False
        return not self.filters or any(p.search(raw) for p in self.filters)


class AmiReplayServer:
    def __init__(
        self,
        capture_dir: Path,
        *,
        speed: float = 0.0,
        username: str | None = None,
        secret: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_size: int | None = None,
        fail_actions: dict[str, str] | None = None,
        autostart: bool = True,
    ) -> None:
        self.capture = Capture.load(capture_dir)
        self.speed = speed
        self.username = username
        self.secret = secret
        self.host = host
        self.port = port
        self.chunk_size = chunk_size
        self.fail_actions = {k.lower(): v for k, v in (fail_actions or {}).items()}
        self.model = SwitchModel()
        self.actions: list[dict[str, str]] = []  # every action received, in order
        self.streamed: list[str] = []  # names of the events sent (each at most once)
        self.finished = asyncio.Event()
        self.connections = 0
        self.logins = 0
        self._sessions: list[_Session] = []
        self._server: asyncio.Server | None = None
        self._streamer: asyncio.Task[None] | None = None
        self._cursor = 0
        self._id_map: dict[str, str] = {}
        self._has_listener = asyncio.Event()
        self._running = asyncio.Event()
        if autostart:
            self._running.set()
        self._progress = asyncio.Condition()
        self._hold: tuple[str, int] | None = None
        self.held = asyncio.Event()
        self._drop_on: dict[str, float] = {}

    # ---- lifecycle ----------------------------------------------------------------------------------
    async def __aenter__(self) -> AmiReplayServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._streamer = asyncio.create_task(self._stream())

    async def stop(self) -> None:
        if self._streamer is not None:
            self._streamer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._streamer
        await self.drop_clients()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def now(self) -> float:
        """Recorded time of the replay position."""
        events = self.capture.events
        if not events:
            return 0.0
        return events[min(self._cursor, len(events) - 1)].t if self._cursor < len(events) else events[-1].t

    def pause(self) -> None:
        self._running.clear()

    def hold_before(self, event: str, occurrence: int = 1) -> None:
        """Streaming stops right before the `occurrence`-th `event` (`held` is set) until `resume()`."""
        self._hold = (event, occurrence)
        self.held.clear()

    def resume(self) -> None:
        self._running.set()

    async def drop_clients(self, lose_s: float = 0.0) -> None:
        """Closes every client connection; events of the next `lose_s` recorded seconds are lost."""
        sessions, self._sessions = self._sessions, []
        self._has_listener.clear()
        for session in sessions:
            session.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await session.writer.wait_closed()
        if lose_s > 0:
            until = self.now + lose_s
            while self._cursor < len(self.capture.events) and self.capture.events[self._cursor].t < until:
                message = self.capture.events[self._cursor]
                self.model.apply(message.t, message.fields)  # Asterisk went on without us
                self._cursor += 1

    def drop_on_action(self, action: str, lose_s: float = 0.0) -> None:
        """The next `action` gets no answer: every client connection is closed instead (the link
        died with the action in flight), and events of the next `lose_s` recorded seconds are lost."""
        self._drop_on[action.lower()] = lose_s

    async def wait_streamed(self, event: str, count: int = 1) -> None:
        async with self._progress:
            await self._progress.wait_for(lambda: self.streamed.count(event) >= count)

    async def inject(self, data: bytes) -> None:
        """Writes raw bytes (garbage, truncated messages) to every connected client."""
        for session in list(self._sessions):
            await self._write(session, data)

    # ---- connections ----------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        session = _Session(writer)
        self._sessions.append(session)
        buffer = ""
        try:
            await self._write(session, BANNER.encode())
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                buffer += data.decode("utf-8", errors="replace")
                *blocks, buffer = buffer.split(CRLF + CRLF)
                for block in blocks:
                    if block.strip():
                        await self._handle(session, parse_fields(block + CRLF))
        except (ConnectionError, OSError):
            pass
        finally:
            if session in self._sessions:
                self._sessions.remove(session)
            if not any(s.events_on for s in self._sessions):
                self._has_listener.clear()
            writer.close()

    async def _write(self, session: _Session, data: bytes) -> None:
        async with session.lock:
            await self._write_locked(session, data)

    async def _write_locked(self, session: _Session, data: bytes) -> None:
        writer = session.writer
        if writer.is_closing():
            return
        try:
            if self.chunk_size:
                for i in range(0, len(data), self.chunk_size):
                    writer.write(data[i : i + self.chunk_size])
                    await writer.drain()
                    await asyncio.sleep(0)
            else:
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass

    async def _reply(self, session: _Session, messages: list[str]) -> None:
        await self._write(session, "".join(messages).encode("utf-8"))

    async def _handle(self, session: _Session, f: dict[str, str]) -> None:
        self.actions.append(f)
        name = f.get("Action", "").lower()
        action_id = f.get("ActionID", "")
        head = {"ActionID": action_id} if action_id else {}
        if name in self._drop_on:
            await self.drop_clients(self._drop_on.pop(name))
            return
        if name in self.fail_actions:
            await self._reply(
                session, [render({"Response": "Error", **head, "Message": self.fail_actions[name]})]
            )
            return
        if name == "login":
            ok = (self.secret is None or f.get("Secret") == self.secret) and (
                self.username is None or f.get("Username") == self.username
            )
            if not ok:
                await self._reply(
                    session, [render({"Response": "Error", **head, "Message": "Authentication failed"})]
                )
                session.writer.close()
                return
            session.logged_in = True
            session.events_on = f.get("Events", "on").lower() not in ("off", "no")
            self.logins += 1
            await self._reply(
                session, [render({"Response": "Success", **head, "Message": "Authentication accepted"})]
            )
            self._listener_changed()
            return
        if not session.logged_in:
            await self._reply(
                session, [render({"Response": "Error", **head, "Message": "Authentication Required"})]
            )
            return
        if name == "events":
            mask = f.get("EventMask", "on").lower()
            session.events_on = mask not in ("off", "no", "none")
            await self._reply(
                session,
                [render({"Response": "Success", **head, "Events": "On" if session.events_on else "Off"})],
            )
            self._listener_changed()
            return
        if name == "filter":
            session.filters.append(re.compile(f.get("Filter", "")))
            await self._reply(
                session, [render({"Response": "Success", **head, "Message": "Filter Added Successfully"})]
            )
            return
        if name == "ping":
            await self._reply(
                session,
                [render({"Response": "Success", **head, "Ping": "Pong", "Timestamp": f"{time.time():.6f}"})],
            )
            return
        if name == "logoff":
            await self._reply(
                session, [render({"Response": "Goodbye", **head, "Message": "Thanks for all the fish."})]
            )
            session.writer.close()
            return
        recorded = self._recorded(name, f)
        if recorded is not None and recorded.response is not None:
            recorded.used = True
            if "ActionID" in recorded.fields:
                self._id_map[recorded.fields["ActionID"]] = action_id
            out = [self._rewrite(recorded.response.raw, action_id)]
            out.extend(self._rewrite(item.raw, action_id) for item in recorded.items)
            await self._reply(session, out)
            return
        if name == "queuestatus":
            await self._reply(session, self.model.queue_status(action_id, self.now))
            return
        if name == "coreshowchannels":
            await self._reply(session, self.model.core_show_channels(action_id, self.now))
            return
        if name in GENERIC_OK:
            await self._reply(session, [render({"Response": "Success", **head, "Message": GENERIC_OK[name]})])
            return
        await self._reply(
            session,
            [
                render(
                    {
                        "Response": "Error",
                        **head,
                        "Message": f"Invalid/unknown command: {f.get('Action', '')}. "
                        "Use Action: ListCommands to show available commands.",
                    }
                )
            ],
        )

    def _recorded(self, name: str, f: dict[str, str]) -> RecordedAction | None:
        candidates = [a for a in self.capture.actions if a.name == name and not a.used and name != "login"]
        if name in LIST_ACTIONS:
            candidates = [a for a in candidates if abs(a.t - self.now) <= RECORDED_LIST_WINDOW_S]
        if not candidates:
            return None
        keys = [k for k in f if k not in ("ActionID",)]
        for action in candidates:
            if all(action.fields.get(k) == f[k] for k in keys):
                return action
        if name in LIST_ACTIONS or name in ("originate", "redirect"):
            return candidates[0]
        # A write action only reuses a recording made for the same target.
        for action in candidates:
            if all(action.fields.get(k) == f[k] for k in ("Interface", "Channel") if k in f):
                return action
        return None

    @staticmethod
    def _rewrite(raw: str, action_id: str) -> str:
        return (
            re.sub(r"^ActionID: [^\r\n]*", f"ActionID: {action_id}", raw, count=1, flags=re.M)
            if action_id
            else raw
        )

    def _listener_changed(self) -> None:
        if any(s.events_on for s in self._sessions):
            self._has_listener.set()

    # ---- streaming ------------------------------------------------------------------------------
    def _is_hold_point(self, index: int) -> bool:
        if self._hold is None:
            return False
        event, occurrence = self._hold
        if self.capture.events[index].fields.get("Event") != event:
            return False
        return (
            self.streamed.count(event)
            + sum(1 for e in self.capture.events[self._cursor : index] if e.fields.get("Event") == event)
            == occurrence - 1
        )

    def _held_here(self) -> bool:
        if self._hold is not None and self._is_hold_point(self._cursor):
            self._hold = None
            self._running.clear()
            self.held.set()
            return True
        return False

    async def _stream(self) -> None:
        events = self.capture.events
        last_t: float | None = None
        while self._cursor < len(events):
            await self._running.wait()
            await self._has_listener.wait()
            if self._held_here():
                continue
            batch = [events[self._cursor]]
            if self.speed > 0 and last_t is not None:
                delay = (batch[0].t - last_t) / self.speed
                if delay > 0:
                    await asyncio.sleep(delay)
                    if not self._has_listener.is_set() or not self._running.is_set():
                        continue
            # Messages recorded together go out together (many messages per read, as on the wire).
            end = self._cursor + 1
            limit = 50 if self.speed == 0 else len(events)
            while (
                end < len(events)
                and end - self._cursor < limit
                and (self.speed == 0 or events[end].t - batch[0].t < 0.002)
                and not self._is_hold_point(end)
            ):
                batch.append(events[end])
                end += 1
            payload: list[str] = []
            for message in batch:
                self.model.apply(message.t, message.fields)
                raw = message.raw
                rid = message.fields.get("ActionID")
                if rid is not None and rid in self._id_map:
                    raw = self._rewrite(raw, self._id_map[rid])
                payload.append(raw)
            self._cursor = end
            last_t = batch[-1].t
            for session in list(self._sessions):
                data = "".join(raw for raw in payload if session.wants(raw))
                if data:
                    await self._write(session, data.encode("utf-8"))
            async with self._progress:
                self.streamed.extend(m.fields.get("Event", "") for m in batch)
                self._progress.notify_all()
            await asyncio.sleep(0)
        self.finished.set()

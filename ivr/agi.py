"""The AGI protocol: environment block, replies, and the typed session API the flows use.

Wire format (Asterisk 22 res_agi, confirmed by ../shared/asterisk-captures/*/agi-*.jsonl):
the channel sends ``agi_key: value`` lines ended by a blank line; then every command line gets
one reply ``<code> result=<value> [(<data>)] [key=value ...]``. ``HANGUP`` arrives on its own
line when the caller hangs up (FastAGI only); after that media commands answer ``511``.
``520-`` starts a multi-line usage error ended by a ``520 `` line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, Protocol

# Asterisk's reply codes (res_agi.c): 200 ok, 510 unknown command, 511 dead channel, 520 usage.
CODE_OK = 200
CODE_INVALID = 510
CODE_DEAD = 511
CODE_USAGE = 520

_REPLY = re.compile(r"^(?P<code>\d{3})(?P<sep>[ -]|$)(?P<body>.*)$")
_RESULT = re.compile(r"^result=(?P<result>\S*)(?: \((?P<data>.*)\))?(?P<rest>(?: [A-Za-z_]+=\S*)*)\s*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_()\-.:,]+$")


class AgiError(Exception):
    """Base of every AGI failure a flow may see."""


class AgiHangup(AgiError):
    """The caller hung up (511, ``result=-1 (hangup)``, or the connection closed)."""


class AgiTimeout(AgiError):
    """Asterisk did not answer a command within its time budget."""


class AgiProtocolError(AgiError):
    """A line that is not AGI (corrupt stream or not an Asterisk on the other end)."""


class AgiCommandError(AgiError):
    """Asterisk refused the command (510 unknown, 520 usage) or the application failed."""

    def __init__(self, command: str, reply: AgiReply) -> None:
        super().__init__(f"{command!r} failed: {reply.raw}")
        self.command = command
        self.reply = reply


@dataclass(frozen=True, slots=True)
class AgiReply:
    code: int
    result: str = ""
    data: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    raw: str = ""

    @property
    def ok(self) -> bool:
        return self.code == CODE_OK

    @property
    def result_int(self) -> int | None:
        try:
            return int(self.result)
        except ValueError:
            return None


@lru_cache(maxsize=4096)
def parse_reply(line: str) -> AgiReply:
    """Parses one reply line (a 520 usage block arrives here already joined by the reader).

    Cached: most replies are the same few lines ("200 result=1"), and `AgiReply` is immutable.
    """
    m = _REPLY.match(line)
    if m is None:
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code = int(m["code"])
    body = m["body"]
    if code != CODE_OK:
        return AgiReply(code=code, data=body or None, raw=line)
    r = _RESULT.match(body)
    if r is None:
        raise AgiProtocolError(f"200 reply without result=: {line[:80]!r}")
    extra: dict[str, str] = {}
    for pair in r["rest"].split():
        key, _, value = pair.partition("=")
        extra[key] = value
    return AgiReply(code=code, result=r["result"], data=r["data"], extra=extra, raw=line)


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    """The ``agi_*`` block Asterisk sends first."""

    values: Mapping[str, str]

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)

    @property
    def script(self) -> str:
        """Route name: ``agi://host:port/ivr?x=1`` → ``ivr``."""
        raw = self.values.get("agi_network_script") or self.values.get("agi_request", "")
        # agi://host:port/ivr?x=1 and a prefixed path (hotline/ivr) both route to "ivr".
        return raw.split("?", 1)[0].strip("/").rsplit("/", 1)[-1]

    @property
    def uniqueid(self) -> str:
        return self.get("agi_uniqueid")

    @property
    def channel(self) -> str:
        return self.get("agi_channel")

    @property
    def callerid(self) -> str:
        return _known(self.get("agi_callerid"))

    @property
    def dnid(self) -> str:
        return _known(self.get("agi_dnid"))

    @property
    def extension(self) -> str:
        return _known(self.get("agi_extension"))

    @property
    def arguments(self) -> list[str]:
        args: list[str] = []
        i = 1
        while f"agi_arg_{i}" in self.values:
            args.append(self.values[f"agi_arg_{i}"])
            i += 1
        return args


def _known(value: str) -> str:
    # Asterisk writes "unknown" for an absent caller id / DNID.
    return "" if value in ("unknown", "") else value


_ENV_KEY = re.compile(r"agi_\w+")
# Verdicts on the keys seen so far: Asterisk sends the same ~25 every call, so the key check is
# a dict lookup. Bounded: one block (up to 16 KiB, ivr/server.py) can carry hundreds of made-up keys.
_env_keys: dict[str, bool] = {}


def parse_environment(block: str) -> AgiEnvironment:
    """Parses the environment block; lines that are not ``agi_key: value`` are skipped.

    The same as ``^(agi_\\w+):[ \\t]*(.*?)[ \\t\\r]*$`` per line (tests/unit/ivr checks the
    captures), without a regex scan over the whole block: that scan was the largest single cost
    of a session in the server (bench/agi.py).
    """
    values: dict[str, str] = {}
    for line in block.split("\n"):
        key, colon, value = line.partition(":")
        if not colon:
            continue
        valid = _env_keys.get(key)
        if valid is None:
            valid = _ENV_KEY.fullmatch(key) is not None
            if len(_env_keys) < 256:
                _env_keys[key] = valid
        if valid:
            values[key] = value.lstrip(" \t").rstrip(" \t\r")
    if "agi_request" not in values and "agi_network_script" not in values:
        raise AgiProtocolError("environment block names no script (agi_request / agi_network_script)")
    return AgiEnvironment(values)


_NEEDS_QUOTES = re.compile(r'[ \t"\\]')


def quote(arg: str) -> str:
    """Quotes one AGI argument; res_agi splits on blanks and honours ``"`` and ``\\``.

    A command is one line, so line breaks inside a value become spaces.
    """
    arg = arg.replace("\r", " ").replace("\n", " ")
    if arg and _NEEDS_QUOTES.search(arg) is None:
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Channel(Protocol):
    """What the session needs from the connection: send one command, await its reply."""

    @property
    def hung_up(self) -> bool: ...

    def command(self, line: str, budget_s: float) -> Awaitable[AgiReply]: ...


@dataclass(frozen=True, slots=True)
class RecordResult:
    ended_by: Literal["timeout", "dtmf", "silence"]
    digit: str | None
    endpos: int


class AgiSession:
    """Typed AGI commands; every one raises `AgiHangup` once the caller is gone."""

    def __init__(self, env: AgiEnvironment, channel: Channel, command_timeout_s: float) -> None:
        self.env = env
        self._channel = channel
        self._timeout = command_timeout_s

    @property
    def hung_up(self) -> bool:
        return self._channel.hung_up

    # Each command awaits the channel directly and checks the reply with a plain function: a
    # helper coroutine in between is one more frame to create and resume per command.
    async def _run(self, line: str, media_s: float = 0.0) -> AgiReply:
        return self._checked(line, await self._channel.command(line, self._timeout + media_s))

    async def _media(self, line: str, media_s: float) -> AgiReply:
        reply = await self._channel.command(line, self._timeout + media_s)
        return self._media_checked(line, reply)

    def _checked(self, line: str, reply: AgiReply) -> AgiReply:
        if reply.code == CODE_DEAD:
            raise AgiHangup(f"channel is gone ({line.split(' ', 2)[:2]})")
        if reply.code != CODE_OK:
            raise AgiCommandError(line, reply)
        return reply

    def _media_checked(self, line: str, reply: AgiReply) -> AgiReply:
        reply = self._checked(line, reply)
        if reply.result == "-1":
            # -1 means "hangup" or "could not play/record"; the HANGUP line tells them apart.
            if reply.data == "hangup" or self.hung_up:
                raise AgiHangup(f"caller hung up during {line.split(' ', 2)[:2]}")
            raise AgiCommandError(line, reply)
        return reply

    async def answer(self) -> None:
        reply = await self._run("ANSWER")
        if reply.result == "-1":
            raise AgiHangup("ANSWER failed: channel is gone")

    async def get_variable(self, name: str) -> str | None:
        _check_name(name)
        line = f"GET VARIABLE {name}"
        reply = self._checked(line, await self._channel.command(line, self._timeout))
        # "200 result=0" means not set; "200 result=1 (value)" carries the value.
        if reply.result != "1":
            return None
        return reply.data or ""

    async def set_variable(self, name: str, value: str) -> None:
        _check_name(name)
        line = f"SET VARIABLE {name} {quote(value)}"
        self._checked(line, await self._channel.command(line, self._timeout))

    async def stream_file(self, path: str, escape_digits: str = "", max_s: float = 30.0) -> str | None:
        """Plays a prompt (no extension); returns the digit that interrupted it, if any."""
        line = f"STREAM FILE {quote(path)} {quote(escape_digits)}"
        reply = self._media_checked(line, await self._channel.command(line, self._timeout + max_s))
        code = reply.result_int
        return chr(code) if code else None

    async def get_data(self, path: str, timeout_ms: int, max_digits: int) -> str:
        """Plays a prompt and collects DTMF; returns "" when the caller pressed nothing."""
        reply = await self._media(
            f"GET DATA {quote(path)} {timeout_ms} {max_digits}", 30.0 + timeout_ms / 1000
        )
        return reply.result

    async def record_file(
        self,
        path: str,
        fmt: str = "wav",
        escape_digits: str = "#",
        timeout_ms: int = 15000,
        silence_s: int = 3,
        beep: bool = True,
    ) -> RecordResult:
        parts = [
            "RECORD FILE",
            quote(path),
            fmt,
            quote(escape_digits),
            str(timeout_ms),
            "0",
        ]
        if beep:
            parts.append("BEEP")
        if silence_s > 0:
            parts.append(f"s={silence_s}")
        reply = await self._media(" ".join(parts), timeout_ms / 1000)
        endpos = int(reply.extra.get("endpos", "0") or 0)
        if reply.data == "dtmf":
            code = reply.result_int
            return RecordResult("dtmf", chr(code) if code else None, endpos)
        if reply.data == "timeout":
            return RecordResult("timeout", None, endpos)
        return RecordResult("silence", None, endpos)

    async def verbose(self, message: str, level: int = 1) -> None:
        await self._run(f"VERBOSE {quote(message)} {level}")

    async def hangup(self) -> None:
        await self._run("HANGUP")


def _check_name(name: str) -> None:
    if not _VARIABLE_NAME.match(name):
        raise ValueError(f"not a channel variable name: {name!r}")


Handler = Callable[[AgiSession], Awaitable[None]]

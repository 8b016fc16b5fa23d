"""Asterisk's side of FastAGI sessions, over real TCP, built from the recorded captures.

A capture (`agi-N.jsonl`) fixes what the real Asterisk 22 answered to each kind of command in
one call, and when the caller hung up. Our server sends its own commands, so the double
answers by verb with the recorded replies and replays the hang-up at the same point of the
call (the N-th command of the verb whose recorded reply said so); after it, media commands
get the recorded ``HANGUP`` line and ``511`` replies while variables still work, exactly as
Asterisk did.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEAD = "511 Command Not Permitted on a dead channel or intercept routine"
MEDIA_VERBS = ("STREAM FILE", "GET DATA", "RECORD FILE", "ANSWER", "EXEC", "WAIT FOR DIGIT")

Answer = Callable[[str], list[str] | None]


@dataclass
class Exchange:
    command: str
    reply: list[str]


@dataclass
class Capture:
    path: Path
    env: str  # the environment block, blank line included
    exchanges: list[Exchange]

    @property
    def script(self) -> str:
        for line in self.env.splitlines():
            if line.startswith("agi_network_script:"):
                return line.split(":", 1)[1].strip()
        return ""

    def env_value(self, key: str) -> str:
        for line in self.env.splitlines():
            if line.startswith(f"{key}:"):
                return line.split(":", 1)[1].strip()
        return ""

    def has(self, verb: str) -> bool:
        return any(verb_of(x.command) == verb for x in self.exchanges)


def load_capture(path: Path) -> Capture:
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not entries or entries[0]["dir"] != "recv":
        raise ValueError(f"{path}: does not start with the environment block")
    exchanges: list[Exchange] = []
    for entry in entries[1:]:
        if entry["dir"] == "send":
            exchanges.append(Exchange(entry["raw"].rstrip("\n"), []))
        elif exchanges:
            exchanges[-1].reply.extend(entry["raw"].splitlines())
    return Capture(path, entries[0]["raw"], exchanges)


def verb_of(command: str) -> str:
    words = command.split()
    two = " ".join(words[:2]).upper()
    if two in ("STREAM FILE", "GET DATA", "RECORD FILE", "SET VARIABLE", "GET VARIABLE", "WAIT FOR"):
        return two
    return words[0].upper() if words else ""


def _is_hangup_reply(reply: list[str]) -> bool:
    return any("(hangup)" in line or line == "HANGUP" or line.startswith("511") for line in reply)


class CapturedChannel:
    """Answers commands the way the captured channel did."""

    def __init__(self, capture: Capture, variables: dict[str, str] | None = None) -> None:
        self.normal: dict[str, list[list[str]]] = {}
        self.variables: dict[str, str] = {}
        self.hangup_at: tuple[str, int, list[str]] | None = None
        seen: dict[str, int] = {}
        for x in capture.exchanges:
            verb = verb_of(x.command)
            seen[verb] = seen.get(verb, 0) + 1
            if verb == "GET VARIABLE" and x.reply and x.reply[0].startswith("200 result=1 ("):
                self.variables[x.command.split(" ", 2)[2]] = x.reply[0][len("200 result=1 (") : -1]
            if self.hangup_at is None and _is_hangup_reply(x.reply):
                self.hangup_at = (verb, seen[verb], [ln for ln in x.reply if ln != "HANGUP"])
            elif self.hangup_at is None and verb not in ("SET VARIABLE", "GET VARIABLE"):
                self.normal.setdefault(verb, []).append(x.reply)
        self.variables.update(variables or {})
        self.set: dict[str, str] = {}
        self.dead = False
        self._hangup_sent = False
        self._count: dict[str, int] = {}

    def answer(self, command: str) -> list[str]:
        verb = verb_of(command)
        n = self._count[verb] = self._count.get(verb, 0) + 1
        if verb == "SET VARIABLE":
            name, value = _parse_set(command)
            self.set[name] = value
            return ["200 result=1"]
        if verb == "GET VARIABLE":
            name = command.split(" ", 2)[2]
            value = self.set.get(name, self.variables.get(name))
            return ["200 result=0"] if value is None else [f"200 result=1 ({value})"]
        if self.dead:
            if not self._hangup_sent:
                self._hangup_sent = True
                return ["HANGUP", DEAD]
            return [DEAD]
        if self.hangup_at is not None and self.hangup_at[:2] == (verb, n):
            self.dead = True
            return list(self.hangup_at[2])
        recorded = self.normal.get(verb)
        if recorded:
            return list(recorded[min(n, len(recorded)) - 1])
        return default_reply(verb)


def default_reply(verb: str) -> list[str]:
    """What Asterisk 22 answers when nothing special happens on the line."""
    return {
        "ANSWER": ["200 result=0"],
        "STREAM FILE": ["200 result=0 endpos=3404"],
        "GET DATA": ["200 result= (timeout)"],
        "RECORD FILE": ["200 result=0 (timeout) endpos=16000"],
        "VERBOSE": ["200 result=1"],
        "HANGUP": ["200 result=1"],
    }.get(verb, ["510 Invalid or unknown command"])


def _parse_set(command: str) -> tuple[str, str]:
    parts = shlex.split(command.split(" ", 2)[2])
    return parts[0], parts[1] if len(parts) > 1 else ""


@dataclass
class SessionLog:
    commands: list[str] = field(default_factory=list)
    closed_by_server: bool = False


async def play_session(
    port: int, env: str, answer: Answer, *, host: str = "127.0.0.1", safety_s: float = 30.0
) -> SessionLog:
    """One FastAGI session as Asterisk runs it; `answer` returning None leaves a command hanging."""
    log = SessionLog()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(env.encode("utf-8"))
        await writer.drain()
        while True:
            line = await asyncio.wait_for(reader.readline(), safety_s)
            if not line:
                log.closed_by_server = True
                break
            command = line.decode("utf-8").rstrip("\n")
            log.commands.append(command)
            reply = answer(command)
            if reply is not None:
                writer.write("".join(r + "\n" for r in reply).encode("utf-8"))
                await writer.drain()
    except ConnectionResetError:
        log.closed_by_server = True
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionResetError, BrokenPipeError):
            pass
    return log


def environment(
    script: str = "ivr", uniqueid: str = "1795326409.0", callerid: str = "13800000001", dnid: str = "12345"
) -> str:
    """An environment block shaped like the captured ones."""
    fields = {
        "agi_network": "yes",
        "agi_network_script": script,
        "agi_request": f"agi://127.0.0.1:4573/{script}",
        "agi_channel": "PJSIP/world-00000000",
        "agi_language": "en",
        "agi_type": "PJSIP",
        "agi_uniqueid": uniqueid,
        "agi_version": "22.10.1",
        "agi_callerid": callerid,
        "agi_calleridname": "市民",
        "agi_dnid": dnid,
        "agi_rdnis": "unknown",
        "agi_context": "from-trunk",
        "agi_extension": dnid,
        "agi_priority": "4",
        "agi_enhanced": "0.0",
        "agi_accountcode": "",
    }
    return "".join(f"{k}: {v}\n" for k, v in fields.items()) + "\n"

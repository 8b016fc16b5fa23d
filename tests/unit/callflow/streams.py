"""Captured AMI messages fed to a LiveState, for tests that build event streams from real
captures by changing only values (channel, uniqueid, number, status), never fields."""

from __future__ import annotations

import json
from pathlib import Path

from callflow.ami.protocol import AmiParser
from callflow.handlers import build_dispatcher
from callflow.live import Call, LiveState, PublishRecord
from core.contracts import EmergencyReferral
from core.settings import Settings


def captured(captures: Path, scenario: str, event: str) -> list[str]:
    out = []
    for line in (captures / scenario / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] == "recv" and entry["raw"].startswith(f"Event: {event}\r\n"):
            out.append(entry["raw"])
    return out


def feed(state: LiveState, raw: str) -> None:
    dispatcher = build_dispatcher(state)
    for block in AmiParser().feed(raw.encode()):
        dispatcher.dispatch_raw(block)


def talking_call(captures: Path, settings: Settings) -> tuple[LiveState, Call]:
    """answered_call fed up to the citizen's hang-up: seat 1001 talks to PJSIP/world-00000000."""
    state = LiveState(settings)
    dispatcher = build_dispatcher(state)
    for line in (captures / "answered_call" / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] != "recv" or not entry["raw"].startswith("Event: "):
            continue
        if entry["raw"].startswith("Event: HangupRequest"):
            break
        for block in AmiParser().feed(entry["raw"].encode()):
            dispatcher.dispatch_raw(block)
    (call,) = state.calls.values()
    assert call.seat == "1001"
    return state, call


def citizen_dial(captures: Path, call: Call, status: str) -> tuple[str, str]:
    """emergency_from_ivr's DialBegin/DialEnd of the citizen to 119, moved onto `call`."""
    (begin,) = captured(captures, "emergency_from_ivr", "DialBegin")
    (end,) = captured(captures, "emergency_from_ivr", "DialEnd")
    out = []
    for raw in (begin, end):
        raw = raw.replace("PJSIP/world-00000006", call.channel).replace("1795326499.6", call.uniqueid)
        out.append(raw.replace("DialStatus: ANSWER", f"DialStatus: {status}"))
    assert "DialString" not in out[1]
    return out[0], out[1]


def referrals(state: LiveState) -> list[EmergencyReferral]:
    return [e.record for e in state.effects if isinstance(e, PublishRecord) and e.record.kind == "emergency"]

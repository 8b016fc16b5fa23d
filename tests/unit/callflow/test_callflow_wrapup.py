"""Wrap-up after a call is the queue's (queues.conf `wrapuptime`, from settings.calls.wrapup_s):
app_queue reports a member without its own wrap-up as `Wrapuptime: 0` (the answered_call capture)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callflow.ami.protocol import AmiParser
from callflow.handlers import build_dispatcher
from callflow.live import LiveState
from core.settings import CallRules, Settings


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_queues_wrapup_shows_on_the_seat(captures: Path, settings: Settings) -> None:
    clock = Clock()
    state = LiveState(settings.model_copy(update={"calls": CallRules(wrapup_s=25)}), clock)
    dispatcher = build_dispatcher(state)
    members = []
    for line in (captures / "answered_call" / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] != "recv" or not entry["raw"].startswith("Event: "):
            continue
        if entry["raw"].startswith("Event: QueueMemberStatus"):
            members.append(entry["raw"])
        for block in AmiParser().feed(entry["raw"].encode()):
            dispatcher.dispatch_raw(block)
        if entry["raw"].startswith("Event: AgentComplete"):
            break
    assert members and all("Wrapuptime: 0\r\n" in m for m in members)
    seat = state.seats["1001"]
    until = clock.now + timedelta(seconds=25)
    assert (seat.state, seat.wrapup_until) == ("wrapup", until)
    # The seat view is what the store writes and the notifier sends to desk and wallboard.
    assert "1001" in state.drain().seats
    view = state.seat_view(seat)
    assert (view.state, view.wrapup_until) == ("wrapup", until)
    clock.now = until
    state.tick()
    assert state.seats["1001"].state == "ready"


def test_no_wrapup_configured_is_ready_at_once(captures: Path, settings: Settings) -> None:
    state = LiveState(settings.model_copy(update={"calls": CallRules(wrapup_s=0)}), Clock())
    dispatcher = build_dispatcher(state)
    for line in (captures / "answered_call" / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] == "recv" and entry["raw"].startswith("Event: AgentComplete"):
            for block in AmiParser().feed(entry["raw"].encode()):
                dispatcher.dispatch_raw(block)
            break
        if entry["dir"] == "recv" and entry["raw"].startswith("Event: "):
            for block in AmiParser().feed(entry["raw"].encode()):
                dispatcher.dispatch_raw(block)
    assert state.seats["1001"].state == "ready"

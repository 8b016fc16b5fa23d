"""Emergency transfers get their outcome from the events (DOMAIN.md §3): DialEnd carries no
DialString in Asterisk 22, so the number is the one DialBegin gave for the same destination.

The event streams are captured messages with only values (channel, uniqueid, status) changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callflow import transfers
from callflow.ami.protocol import AmiParser
from callflow.handlers import build_dispatcher
from callflow.live import LiveState
from core.settings import Settings
from tests.unit.callflow.streams import captured, citizen_dial, feed, referrals, talking_call


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("ANSWER", "answered"),
        ("BUSY", "busy"),
        ("NOANSWER", "no_answer"),
        ("CANCEL", "no_answer"),
        ("CONGESTION", "failed"),
        ("CHANUNAVAIL", "failed"),
    ],
)
def test_blind_transfer_outcome_from_dial_end(
    captures: Path, settings: Settings, status: str, outcome: str
) -> None:
    state, call = talking_call(captures, settings)
    transfers.add_transfer(state, call, "emergency_blind", "119", "1001")
    transfers.add_referral(state, call, "119", "市民报告起火", "1001")
    begin, end = citizen_dial(captures, call, status)
    feed(state, begin)
    assert call.transfers[-1].outcome == "pending" and referrals(state) == []
    state.drain()
    feed(state, end)
    assert [(t.kind, t.outcome) for t in call.transfers] == [("emergency_blind", outcome)]
    (ref,) = referrals(state)
    assert (ref.target, ref.source, ref.seat, ref.outcome) == ("119", "seat", "1001", outcome)
    failed = [d for t, op, d in state.drain().deltas if op == "alert" and d["kind"] == "emergency_failed"]
    expected = [] if outcome == "answered" else [("119", outcome, "1001")]
    assert [(a["target"], a["outcome"], a["seat"]) for a in failed] == expected


def test_a_dial_that_goes_on_settles_nothing(captures: Path, settings: Settings) -> None:
    state, call = talking_call(captures, settings)
    transfers.add_transfer(state, call, "emergency_blind", "119", "1001")
    transfers.add_referral(state, call, "119", "市民报告起火", "1001")
    begin, end = citizen_dial(captures, call, "CONTINUE")
    feed(state, begin)
    feed(state, end)
    assert call.transfers[-1].outcome == "pending" and referrals(state) == []


@pytest.mark.parametrize(("reason", "outcome"), [("5", "busy"), ("3", "no_answer"), ("1", "failed")])
def test_stay_on_transfer_outcome_from_originate_response(
    captures: Path, settings: Settings, reason: str, outcome: str
) -> None:
    state, call = talking_call(captures, settings)
    index = transfers.add_transfer(state, call, "emergency_threeway", "120", "1001")
    transfers.add_referral(state, call, "120", "市民突发疾病", "1001")
    state.originates["lab-10"] = (call.linkedid, index)
    (raw,) = captured(captures, "threeway_with_unit", "OriginateResponse")
    failure = raw.replace("Response: Success", "Response: Failure")
    feed(state, failure.replace("Reason: 4", f"Reason: {reason}"))
    assert [(t.kind, t.outcome) for t in call.transfers] == [("emergency_threeway", outcome)]
    (ref,) = referrals(state)
    assert (ref.target, ref.outcome) == ("120", outcome)
    alerts = [d for _t, op, d in state.drain().deltas if op == "alert"]
    assert [(a["kind"], a["target"]) for a in alerts] == [("emergency", "120"), ("emergency_failed", "120")]


def test_stay_on_transfer_answered(captures: Path, settings: Settings) -> None:
    state, call = talking_call(captures, settings)
    index = transfers.add_transfer(state, call, "emergency_threeway", "120", "1001")
    transfers.add_referral(state, call, "120", "市民突发疾病", "1001")
    state.originates["lab-10"] = (call.linkedid, index)
    (raw,) = captured(captures, "threeway_with_unit", "OriginateResponse")
    feed(state, raw)
    (ref,) = referrals(state)
    assert (call.transfers[0].outcome, ref.outcome) == ("answered", "answered")


def test_ivr_emergency_referral_gets_the_trunks_answer(captures: Path, settings: Settings) -> None:
    state = LiveState(settings)
    dispatcher = build_dispatcher(state)
    for line in (captures / "emergency_from_ivr" / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] == "recv" and entry["raw"].startswith("Event: "):
            for block in AmiParser().feed(entry["raw"].encode()):
                dispatcher.dispatch_raw(block)
    (ref,) = referrals(state)
    assert (ref.linkedid, ref.target, ref.source, ref.outcome, ref.seat) == (
        "1795326499.6",
        "119",
        "ivr",
        "answered",
        None,
    )

"""One model of a call: the view and the hand-off record are derived from `Call`, never mapped by hand."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from callflow.call import Call, ivr_result, record_of, restored, view_json, view_of
from callflow.views import CallView
from core.contracts import CallFacts, CallRecord, HoldPeriod, IvrResult, RingMiss, Transfer

T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
RECORD_OWN = {"kind", "ended_at", "outcome", "hangup_cause"}


def _call() -> Call:
    """A call with every field the view carries set, in a state its view restores exactly."""
    variables = {"queue": "q-general", "action": "queue", "category": "env.noise", "priority": "10"}
    return Call(
        linkedid="1795326409.0",
        uniqueid="1795326409.0",
        channel="PJSIP/world-00000000",
        caller="13800000001",
        caller_name="市民",
        did="12345",
        started_at=T0,
        state="talking",
        ivr_vars=variables,
        ivr=ivr_result(variables),
        queue="q-general",
        queue_joined_at=T0 + timedelta(seconds=8),
        answered_at=T0 + timedelta(seconds=12),
        wait_s=4.0,
        talk_s=None,
        seat="1001",
        seat_channel="PJSIP/1001-00000001",
        rings_missed=[RingMiss(seat="1002", queue="q-general", ring_ms=15000, at=T0 + timedelta(seconds=9))],
        transfers=[
            Transfer(kind="threeway", target="88001234", outcome="pending", at=T0 + timedelta(seconds=30))
        ],
        conference="conf-1795326409.0",
        recording_path="/var/spool/asterisk/monitor/1795326409.0.wav",
        ticket_no="12345-20261122-000001",
        reached_queue=True,
        holds=[HoldPeriod(start=T0 + timedelta(seconds=20), end=T0 + timedelta(seconds=25), seat="1001")],
        # Held after the answer: app_queue is done with this seat leg.
        held_leg=True,
        queue_done=True,
    )


def test_the_view_and_the_record_are_subsets_of_the_call() -> None:
    call_fields, view_fields = set(Call.model_fields), set(CallView.model_fields)
    record_fields = set(CallRecord.model_fields)
    assert set(CallFacts.model_fields) <= view_fields <= call_fields
    assert record_fields - RECORD_OWN <= call_fields
    # What the view and the record both carry is declared once, in CallFacts.
    assert view_fields & record_fields == set(CallFacts.model_fields)


def test_the_view_holds_only_the_view_fields() -> None:
    call = _call()
    call.alerted.add("emergency")
    call.ringing_seats.update({"1003", "1002"})
    view = view_of(call)
    assert type(view) is CallView
    data = json.loads(view.model_dump_json())
    assert set(data) == set(CallView.model_fields)
    assert data["ringing_seats"] == ["1002", "1003"]  # sorted: a snapshot and a delta agree
    assert CallView.model_validate_json(view.model_dump_json()) == view


def test_call_to_view_to_restored_call_is_the_same_call() -> None:
    call = _call()
    again = restored(CallView.model_validate_json(view_of(call).model_dump_json()))
    assert again == call


def test_a_restored_held_call_knows_its_leg_was_held() -> None:
    call = _call()
    call.holds.append(HoldPeriod(start=T0 + timedelta(seconds=40), seat="1001"))
    again = restored(view_of(call))
    assert again.held and again.held_leg and again == call


def test_the_record_carries_every_shared_fact_of_the_call() -> None:
    call = _call()
    call.hangup_cause = "Normal Clearing"
    ended = T0 + timedelta(minutes=3)
    record = record_of(call, ended_at=ended, outcome="answered", talk_s=150.0)
    for name in CallFacts.model_fields:
        expected = 150.0 if name == "talk_s" else getattr(call, name)
        assert getattr(record, name) == expected, name
    assert (record.kind, record.ended_at, record.outcome, record.hangup_cause) == (
        "call",
        ended,
        "answered",
        "Normal Clearing",
    )
    # The record round-trips through the hand-off stream's JSON.
    assert CallRecord.model_validate_json(record.model_dump_json()) == record


def test_ivr_variables_are_parsed_into_typed_fields() -> None:
    result = ivr_result(
        {
            "action": "emergency",
            "target": "119",
            "emergency_service": "fire",
            "priority": "10",
            "not_accepted_reason": "",
            "unknown": "x",
        }
    )
    assert result == IvrResult(action="emergency", target="119", emergency_service="fire", priority=10)


def test_an_older_ivr_markers_still_fill_the_typed_fields() -> None:
    # An IVR from before HOTLINE_EMERGENCY_SERVICE / HOTLINE_NOT_ACCEPTED_REASON (rolling upgrade).
    old = ivr_result({"action": "emergency", "target": "119", "category": "emergency_fire"})
    assert (old.emergency_service, old.category) == ("fire", "emergency_fire")
    # Without the emergency action the text is no service.
    assert ivr_result({"action": "queue", "category": "emergency_fire"}).emergency_service is None
    refused = ivr_result({"category": "not_accepted_litigation"})
    assert refused.not_accepted_reason == "litigation"
    # The typed variable wins over the marker.
    both = ivr_result({"category": "not_accepted_litigation", "not_accepted_reason": "secrets"})
    assert both.not_accepted_reason == "secrets"


def test_a_call_still_in_the_ivr_round_trips_too() -> None:
    call = Call(
        linkedid="1795326410.3",
        uniqueid="1795326410.3",
        channel="PJSIP/world-00000003",
        caller="13900000002",
        caller_name=None,
        did="12315",
        started_at=T0,
    )
    again = restored(view_of(call))
    # The view cannot tell the default action from one the IVR set: the parse is the same.
    assert again.ivr == call.ivr and again.ivr_vars == {"action": "queue"}
    assert again.model_copy(update={"ivr_vars": {}}) == call


def test_the_view_json_is_the_view_serialised() -> None:
    # The store writes `view_json` (no view built); it must be exactly the view's JSON.
    call = _call()
    call.alerted.add("emergency")
    call.ringing_seats.update({"1003", "1002"})
    assert view_json(call) == view_of(call).model_dump_json()
    assert set(json.loads(view_json(call))) == set(CallView.model_fields)


def test_the_record_keeps_its_ivr_result_when_the_call_changes_after() -> None:
    call = _call()
    record = record_of(call, ended_at=T0 + timedelta(minutes=3), outcome="answered")
    call.set_ivr("category", "traffic.parking")
    assert record.ivr is not None and record.ivr.category == "env.noise"


# The linked fields (action, category and the two its legacy markers fill) weigh more: their
# order of arrival is where a partial parse could go wrong.
LINKED = ("action", "category", "emergency_service", "not_accepted_reason")
IVR_NAMES = (*IvrResult.model_fields, "unknown", *LINKED * 3)
IVR_VALUES = (
    "",
    "",
    "queue",
    "emergency",
    "emergency",
    "watch",
    "hangup",
    "10",
    "-3",
    "1e3",
    "119",
    "fire",
    "secrets",
    "env.noise",
    "emergency_fire",
    "emergency_fire",
    "emergency_",
    "not_accepted_litigation",
    "not_accepted_litigation",
    "not_accepted_nonsense",
)


def _ivr_call() -> Call:
    return Call(
        linkedid="1795326411.4",
        uniqueid="1795326411.4",
        channel="PJSIP/world-00000004",
        caller="13900000003",
        started_at=T0,
    )


@pytest.mark.parametrize("seed", range(25))
def test_one_variable_at_a_time_parses_as_all_of_them(seed: int) -> None:
    # Call.set_ivr parses only what one VarSet decides; the result is always the full parse's.
    rng = random.Random(seed)
    call = _ivr_call()
    for _ in range(60):
        call.set_ivr(rng.choice(IVR_NAMES), rng.choice(IVR_VALUES))
        assert call.ivr == ivr_result(call.ivr_vars), call.ivr_vars


@pytest.mark.parametrize(
    "sets",
    [
        # An older IVR's marker, the action, then the typed variable cleared.
        [("category", "emergency_fire"), ("action", "emergency"), ("emergency_service", ""), ("dtmf", "1")],
        [("category", "not_accepted_litigation"), ("not_accepted_reason", "secrets"), ("queue", "")],
        [("action", "emergency"), ("category", "emergency_police"), ("action", "queue"), ("action", "bogus")],
    ],
)
def test_any_order_of_the_linked_variables_parses_as_all_of_them(sets: list[tuple[str, str]]) -> None:
    for order in itertools.permutations(sets):
        call = _ivr_call()
        for name, value in order:
            call.set_ivr(name, value)
            assert call.ivr == ivr_result(call.ivr_vars), order

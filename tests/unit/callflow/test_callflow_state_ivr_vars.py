"""The IVR's HOTLINE_* VarSets reach IvrResult: the captured answered_call, with the variables the
current IVR also sets (priority, ticket type, suggested unit) added next to the captured ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from callflow.ami.protocol import AmiParser, parse_block
from callflow.handlers import build_dispatcher
from callflow.live import LiveState, PublishRecord
from core import dialplan
from core.contracts import CallRecord
from core.settings import Settings


def _events(capture: Path) -> list[bytes]:
    out: list[bytes] = []
    for line in (capture / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] == "recv" and entry["raw"].startswith("Event: "):
            out.extend(AmiParser().feed(entry["raw"].encode()))
    return out


def _varset_like(block: bytes, variable: str, value: str) -> bytes:
    message = parse_block(block)
    assert message is not None
    message.fields.update({"Variable": variable, "Value": value})
    return "\r\n".join(f"{k}: {v}" for k, v in message.fields.items()).encode()


def _replay(captures: Path, settings: Settings, extra: dict[str, str]) -> LiveState:
    """answered_call with `extra` VarSets right after the captured HOTLINE_CATEGORY one."""
    state = LiveState(settings, lambda: datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    dispatcher = build_dispatcher(state)
    for block in _events(captures / "answered_call"):
        dispatcher.dispatch_raw(block)
        if b"Variable: HOTLINE_CATEGORY" in block:
            for variable, value in extra.items():
                dispatcher.dispatch_raw(_varset_like(block, variable, value))
    assert dispatcher.stats.handler_errors == 0
    return state


def _record(state: LiveState) -> CallRecord:
    (record,) = [e.record for e in state.effects if isinstance(e, PublishRecord)]
    assert isinstance(record, CallRecord)
    return record


def test_captured_variables_alone(captures: Path, settings: Settings) -> None:
    ivr = _record(_replay(captures, settings, {})).ivr
    assert ivr is not None
    assert (ivr.queue, ivr.category, ivr.priority, ivr.ticket_type, ivr.suggested_unit) == (
        "q-general",
        "complaint",
        None,
        None,
        None,
    )


def test_priority_type_and_unit_reach_the_record_and_the_desk(captures: Path, settings: Settings) -> None:
    state = _replay(
        captures,
        settings,
        {
            dialplan.VAR_CATEGORY: "urban.water",
            dialplan.VAR_PRIORITY: "10",
            dialplan.VAR_TICKET_TYPE: "求助",
            dialplan.VAR_UNIT: "u-water",
            dialplan.VAR_TICKET_HINT: "12345-20261121-000007",
        },
    )
    ivr = _record(state).ivr
    assert ivr is not None
    assert (ivr.category, ivr.priority, ivr.ticket_type, ivr.suggested_unit, ivr.ticket_hint) == (
        "urban.water",
        10,
        "求助",
        "u-water",
        "12345-20261121-000007",
    )
    # The seat's screen pop carries the same result (DOMAIN.md §2: the form is pre-filled).
    pops = [d for t, op, d in state.deltas if t == "desk:1001" and op in ("ring", "connect")]
    assert pops and all(p["ivr"]["priority"] == 10 and p["ivr"]["suggested_unit"] == "u-water" for p in pops)


def test_bad_priority_is_dropped_and_refusal_marker_becomes_the_reason(
    captures: Path, settings: Settings
) -> None:
    state = _replay(
        captures,
        settings,
        {dialplan.VAR_PRIORITY: "urgent", dialplan.VAR_CATEGORY: "not_accepted_litigation"},
    )
    ivr = _record(state).ivr
    assert ivr is not None
    assert (ivr.priority, ivr.category, ivr.not_accepted_reason) == (
        None,
        "not_accepted_litigation",
        "litigation",
    )
    # An unknown reason code is not invented into a refusal hint.
    state = _replay(captures, settings, {dialplan.VAR_CATEGORY: "not_accepted_whatever"})
    ivr = _record(state).ivr
    assert ivr is not None and ivr.not_accepted_reason is None


def test_restored_call_keeps_the_ivr_result(captures: Path, settings: Settings) -> None:
    state = LiveState(settings, lambda: datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    dispatcher = build_dispatcher(state)
    for block in _events(captures / "answered_call"):
        dispatcher.dispatch_raw(block)
        if b"Variable: HOTLINE_CATEGORY" in block:
            dispatcher.dispatch_raw(_varset_like(block, dialplan.VAR_PRIORITY, "10"))
            dispatcher.dispatch_raw(_varset_like(block, dialplan.VAR_UNIT, "dept-env"))
            break
    (call,) = state.calls.values()
    view = state.call_view(call)
    restored = LiveState(settings).restore_call(view)
    again = LiveState(settings).ivr_result(restored)
    assert (again.priority, again.suggested_unit, again.category) == (10, "dept-env", "complaint")


def test_refusal_reason_has_its_own_variable(captures: Path, settings: Settings) -> None:
    state = _replay(
        captures,
        settings,
        {dialplan.VAR_CATEGORY: "urban.water", dialplan.VAR_NOT_ACCEPTED_REASON: "litigation"},
    )
    ivr = _record(state).ivr
    assert ivr is not None
    assert (ivr.category, ivr.not_accepted_reason) == ("urban.water", "litigation")
    pops = [d for t, op, d in state.deltas if t == "desk:1001" and op in ("ring", "connect")]
    assert pops and all(p["ivr"]["not_accepted_reason"] == "litigation" for p in pops)


def test_emergency_service_has_its_own_variable(captures: Path, settings: Settings) -> None:
    state = _replay(captures, settings, {dialplan.VAR_EMERGENCY_SERVICE: "fire"})
    ivr = _record(state).ivr
    assert ivr is not None and ivr.emergency_service == "fire"

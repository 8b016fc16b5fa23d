"""Three-way calls with a unit's duty line and emergency transfers (DOMAIN.md §3, §4).

The executor registers a transfer when it sends the actions; the events then settle its outcome:
OriginateResponse (answered / busy / no answer) for the originated leg, the leg entering the
three-way bridge, or the citizen's Dial to 110/119/120/122 for a blind emergency transfer. A
three-way bridge set up by anyone else is still recognised from the bridge events alone.
"""

from __future__ import annotations

from typing import Literal

from callflow.ami import actions
from callflow.ami.protocol import Message
from callflow.live import Call, LiveState, PendingReferral
from callflow.records import EMERGENCY_NUMBERS, publish_referral
from tickets.contracts import Transfer

TransferKind = Literal["threeway", "emergency_blind", "emergency_threeway"]
Outcome = Literal["answered", "busy", "no_answer", "failed", "pending"]


def conference_name(linkedid: str) -> str:
    # Passed to ConfBridge as a variable (never as a pattern extension), so dots are fine.
    return f"hl-{linkedid}"


def add_transfer(
    state: LiveState,
    call: Call,
    kind: TransferKind,
    target: str,
    seat: str | None,
    unit_code: str | None = None,
) -> int:
    call.transfers.append(
        Transfer(kind=kind, target=target, unit_code=unit_code, outcome="pending", at=state.now(), seat=seat)
    )
    state.touch_call(call)
    state.delta(
        "wallboard",
        "transfer",
        {"linkedid": call.linkedid, "kind": kind, "target": target, "seat": seat, "unit_code": unit_code},
    )
    if kind != "threeway":
        # DOMAIN.md §3: an emergency re-route is logged as a referral and shown to supervisors.
        state.alert(
            "emergency",
            {
                "linkedid": call.linkedid,
                "caller": call.caller,
                "target": target,
                "source": "seat",
                "seat": seat,
            },
        )
    return len(call.transfers) - 1


def add_referral(state: LiveState, call: Call, target: str, reason: str, seat: str | None) -> None:
    call.referrals.append(PendingReferral(target=target, reason=reason, seat=seat, at=state.now()))


def set_outcome(state: LiveState, call: Call, index: int, outcome: Outcome) -> None:
    if not 0 <= index < len(call.transfers):
        return
    transfer = call.transfers[index]
    if transfer.outcome != "pending" and outcome != "answered":
        return
    call.transfers[index] = transfer.model_copy(update={"outcome": outcome})
    state.touch_call(call)
    if transfer.kind == "emergency_threeway":
        for ref in call.referrals:
            if ref.target == transfer.target and ref.outcome == "pending":
                ref.outcome = {"answered": "answered", "busy": "busy"}.get(outcome, "failed")
                publish_referral(state, call, ref)


def unit_joined(state: LiveState, call: Call, target: str) -> None:
    """A trunk leg entered the call's three-way bridge: the unit (or emergency line) answered."""
    for i, t in enumerate(call.transfers):
        if t.target == target and t.kind in ("threeway", "emergency_threeway"):
            set_outcome(state, call, i, "answered")
            return
    # A bridge we did not set up ourselves (or whose command was lost in a restart).
    kind: TransferKind = "emergency_threeway" if target in EMERGENCY_NUMBERS else "threeway"
    index = add_transfer(state, call, kind, target, call.seat)
    set_outcome(state, call, index, "answered")


def on_originate_response(state: LiveState, msg: Message) -> None:
    entry = state.originates.pop(msg.action_id or "", None)
    if entry is None:
        return
    linkedid, index = entry
    call = state.calls.get(linkedid)
    if call is None:
        return
    outcome: Outcome
    if msg.get("Response") == "Success":
        outcome = "answered"
        uniqueid = msg.get("Uniqueid")
        if uniqueid:
            state.add_channel(uniqueid, uniqueid, msg.get("Channel")).call = linkedid
    else:
        reason = msg.int("Reason", -1)
        if reason == actions.ORIGINATE_BUSY:
            outcome = "busy"
        elif reason == actions.ORIGINATE_RINGING:
            outcome = "no_answer"
        else:
            outcome = "failed"
    set_outcome(state, call, index, outcome)

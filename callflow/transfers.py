"""Three-way calls with a unit's duty line and emergency transfers (DOMAIN.md §3, §4).

The executor registers a transfer when it sends the actions; the events then settle its outcome:
OriginateResponse (answered / busy / no answer) for the originated leg, the leg entering the
three-way bridge, or the citizen's Dial to an emergency number (settings.emergency_numbers) for a
blind emergency transfer. A three-way bridge set up by anyone else is still recognised from the
bridge events alone.
"""

from __future__ import annotations

from typing import Literal

from callflow.ami import actions
from callflow.ami.protocol import Message
from callflow.live import Call, LiveState, PendingReferral
from callflow.records import publish_referral
from core.contracts import Transfer

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
    source: str = "seat",
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
                "source": source,
                "seat": seat,
            },
        )
    return len(call.transfers) - 1


def add_referral(
    state: LiveState, call: Call, target: str, reason: str, seat: str | None, source: str = "seat"
) -> None:
    ref = PendingReferral(target=target, reason=reason, seat=seat, at=state.now(), source=source)
    call.referrals.append(ref)


# DialEnd's DialStatus (Asterisk 22 AMI DialEnd) as a transfer outcome; CONTINUE / GOTO are not
# an end of the dial (the dialplan goes on), so they settle nothing.
DIAL_STATUS_OUTCOME: dict[str, Outcome] = {
    "ANSWER": "answered",
    "BUSY": "busy",
    "NOANSWER": "no_answer",
    "CANCEL": "no_answer",
    "CONGESTION": "failed",
    "CHANUNAVAIL": "failed",
    "DONTCALL": "failed",
    "TORTURE": "failed",
    "INVALIDARGS": "failed",
    "ABORT": "failed",
}


def set_outcome(state: LiveState, call: Call, index: int, outcome: Outcome) -> None:
    if not 0 <= index < len(call.transfers):
        return
    transfer = call.transfers[index]
    if transfer.outcome != "pending" and outcome != "answered":
        return
    call.transfers[index] = transfer.model_copy(update={"outcome": outcome})
    state.touch_call(call)
    if transfer.kind != "threeway":
        settle_referral(state, call, transfer.target, outcome)


def settle_referral(state: LiveState, call: Call, target: str, outcome: Outcome) -> None:
    """The emergency line `target` answered or not: the pending referral gets its outcome, and
    supervisors are told at once when the citizen did not get through (DOMAIN.md §3)."""
    for ref in call.referrals:
        if ref.target != target or ref.outcome != "pending":
            continue
        ref.outcome = outcome
        publish_referral(state, call, ref)
        state.touch_call(call)
        if outcome != "answered":
            state.alert(
                "emergency_failed",
                {
                    "linkedid": call.linkedid,
                    "caller": call.caller,
                    "target": target,
                    "outcome": outcome,
                    "source": ref.source,
                    "seat": ref.seat,
                },
            )


def dial_ended(state: LiveState, call: Call, dialed: str, status: str) -> None:
    """The citizen's own Dial to `dialed` ended (a blind emergency transfer, the IVR's re-route)."""
    outcome = DIAL_STATUS_OUTCOME.get(status)
    if outcome is None:
        return
    for i, t in enumerate(call.transfers):
        if t.kind == "emergency_blind" and t.target == dialed and t.outcome == "pending":
            set_outcome(state, call, i, outcome)
            return
    settle_referral(state, call, dialed, outcome)


# The reason of a referral recognised from the events alone (another AMI client's Redirect, a
# seat's phone dialling 110 itself): shown to supervisors and kept on the referral record.
DETECTED_REASON = "未经本系统发起的紧急转接"


def dialed_number(state: LiveState, dial: str) -> str:
    """The number a trunk Dial's DialString (`92001@trunk`) reaches: the route prefix of the
    softswitch settings taken off, so it compares with a transfer's target."""
    number, _, trunk = dial.removeprefix("PJSIP/").partition("@")
    sw = state.settings.softswitch
    for route in (sw.unit_route, sw.emergency.primary, sw.emergency.alternative, sw.citizen_route):
        if route is not None and route.trunk == trunk and route.prefix and number.startswith(route.prefix):
            return number[len(route.prefix) :]
    return number


def emergency_dialed(state: LiveState, dial: str) -> str | None:
    """The emergency number a Dial's DialString (`119@trunk`, `PJSIP/9119@trunk`) reaches through
    one of the emergency routes of the softswitch settings, else None."""
    number, _, trunk = dial.removeprefix("PJSIP/").partition("@")
    routes = [state.settings.softswitch.emergency.primary, state.settings.softswitch.emergency.alternative]
    targets = state.settings.emergency_targets()
    for route in routes:
        if route is None or route.trunk != trunk or not number.startswith(route.prefix):
            continue
        target = number[len(route.prefix) :]
        if target in targets:
            return target
    return None


def emergency_seen(state: LiveState, call: Call, target: str, reason: str | None = None) -> None:
    """The citizen's channel is being put through to the emergency line `target` (its Dial began,
    or a resync found it there): unless it is already known (the IVR's re-route, our own command),
    it is a transfer made behind the backend's back, and it is recorded and shown all the same."""
    ivr = call.ivr
    known = [ref for ref in call.referrals if ref.target == target]
    if known:
        _retry(state, call, known[-1])
        return
    if ivr.action == "emergency" and ivr.target in (None, target):
        # The IVR decided on an emergency; its HOTLINE_TARGET may be unknown here (its VarSet fell in
        # a restart or a lost connection, and a resync's CoreShowChannel carries no variables): the
        # emergency context dialling one of our numbers is then still the IVR's re-route.
        add_referral(state, call, target, ivr.emergency_service or ivr.category or "emergency", None, "ivr")
        if ivr.target is None:
            ivr_emergency_alert(state, call, target)  # the IVR's own alert waited for the target
        return
    if any(t.target == target and t.kind != "threeway" and t.outcome == "pending" for t in call.transfers):
        # A transfer restored from Redis after a restart: only its referral was lost.
        add_referral(state, call, target, reason or DETECTED_REASON, call.seat)
        return
    add_transfer(state, call, "emergency_blind", target, call.seat, source="events")
    add_referral(state, call, target, reason or DETECTED_REASON, call.seat, "events")


def ivr_emergency_alert(state: LiveState, call: Call, target: str) -> None:
    """DOMAIN.md §3: the IVR's emergency re-route is shown to supervisors at once (once a call)."""
    if "emergency" in call.alerted:
        return
    call.alerted.add("emergency")
    ivr = call.ivr
    state.alert(
        "emergency",
        {
            "linkedid": call.linkedid,
            "caller": call.caller,
            "target": target,
            "source": "ivr",
            "service": ivr.emergency_service,
            "category": ivr.category,
        },
    )


def _retry(state: LiveState, call: Call, ref: PendingReferral) -> None:
    """The emergency route's busy or failed first try goes on to the alternative route
    (DOMAIN.md §3): the referral waits again for how that Dial ends."""
    if ref.outcome in ("pending", "answered"):
        return
    ref.outcome, ref.published = "pending", False
    for i, t in enumerate(call.transfers):
        if t.target == ref.target and t.kind == "emergency_blind":
            call.transfers[i] = t.model_copy(update={"outcome": "pending"})
    state.touch_call(call)


def blind_sent(state: LiveState, call: Call, target: str, reason: str, seat: str) -> None:
    """Our Redirect to the emergency route succeeded; its Dial may already have been seen."""
    for ref in call.referrals:
        if ref.target == target and ref.source == "events" and not ref.published:
            ref.source, ref.reason, ref.seat = "seat", reason, seat
            return
    add_transfer(state, call, "emergency_blind", target, seat)
    add_referral(state, call, target, reason, seat)


def unit_joined(state: LiveState, call: Call, target: str) -> None:
    """A trunk leg entered the call's three-way bridge: the unit (or emergency line) answered."""
    for i, t in enumerate(call.transfers):
        if t.target == target and t.kind in ("threeway", "emergency_threeway"):
            set_outcome(state, call, i, "answered")
            return
    # A bridge we did not set up ourselves (or whose command was lost in a restart).
    emergency = target in state.settings.emergency_targets()
    kind: TransferKind = "emergency_threeway" if emergency else "threeway"
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

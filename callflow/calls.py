"""Channel and call life cycle: a citizen call from its trunk channel to its hang-up.

A citizen call is keyed by the linkedid of its first channel (an inbound trunk channel in
`from-trunk`). Seat legs share that linkedid; a unit's duty line originated into the three-way
bridge does not (Asterisk gives it its own), so it is joined through the conference name.
"""

from __future__ import annotations

from callflow import hold
from callflow.ami.protocol import Message
from callflow.call import Call
from callflow.live import LiveState
from callflow.records import finish_call
from callflow.transfers import (
    dial_ended,
    dialed_number,
    emergency_dialed,
    emergency_seen,
    ivr_emergency_alert,
    unit_joined,
)
from core import dialplan

# Newchannel ChannelState 4 (Ring): an inbound call, as opposed to an originated leg (0, Down).
STATE_RING = "4"

# The IVR's HOTLINE_* variables whose IvrResult field is not simply the lower-cased suffix.
IVR_FIELD_OF_VARIABLE: dict[str, str] = {dialplan.VAR_UNIT: "suggested_unit"}

VARIABLE_NEEDLES: tuple[bytes, ...] = (
    b"Variable: HOTLINE_",
    b"Variable: MIXMONITOR_FILENAME",
    b"Variable: AGISTATUS",
)


def _is_inbound(state: LiveState, msg: Message) -> bool:
    """The first channel of an inbound citizen call (originated legs start at exten `s`)."""
    return (
        msg.get("Uniqueid") != ""
        and msg.get("Uniqueid") == msg.get("Linkedid")
        and state.is_trunk(msg.get("Channel"))
        and msg.get("Context") == dialplan.CTX_INBOUND
        and msg.get("Exten") not in ("", dialplan.EXT_START)
    )


def _caller(msg: Message) -> str:
    num = msg.get("CallerIDNum")
    return "" if num in ("<unknown>", "unknown") else num


def _name(msg: Message) -> str | None:
    name = msg.get("CallerIDName")
    return None if name in ("", "<unknown>", "unknown") else name


def ensure_call(state: LiveState, msg: Message) -> Call | None:
    """The call of an event's channel; creates it for a citizen channel first seen mid-call."""
    uniqueid = msg.get("Uniqueid")
    call = state.call_of_channel(uniqueid, msg.get("Linkedid"))
    if call is not None:
        return call
    if not _is_inbound(state, msg):
        return None
    call = Call(
        linkedid=msg.get("Linkedid"),
        uniqueid=uniqueid,
        channel=msg.get("Channel"),
        caller=_caller(msg),
        caller_name=_name(msg),
        did=msg.get("Exten") or None,
        started_at=state.now(),
    )
    state.calls[call.linkedid] = call
    state.add_channel(uniqueid, call.linkedid, call.channel).call = call.linkedid
    state.touch_call(call)
    return call


def on_newchannel(state: LiveState, msg: Message) -> None:
    uniqueid, linkedid, name = msg.get("Uniqueid"), msg.get("Linkedid"), msg.get("Channel")
    if not uniqueid:
        return
    chan = state.add_channel(uniqueid, linkedid, name)
    if msg.get("ChannelState") == STATE_RING and _is_inbound(state, msg):
        ensure_call(state, msg)
    elif linkedid in state.calls:
        chan.call = linkedid


def on_varset(state: LiveState, msg: Message) -> None:
    variable = msg.get("Variable")
    if not msg.has("Value"):
        return  # truncated: an absent value must not erase a known one
    call = state.call_of_channel(msg.get("Uniqueid"), msg.get("Linkedid"))
    if call is None:
        if variable.startswith("HOTLINE_") or variable == "MIXMONITOR_FILENAME":
            call = ensure_call(state, msg)
        if call is None:
            return
    if msg.get("Uniqueid") != call.uniqueid:
        return  # variables of the seat leg (inherited __HOTLINE_CALL...) say nothing new
    value = msg.get("Value")
    if variable == "MIXMONITOR_FILENAME":
        call.recording_path = value or call.recording_path
    elif variable == "AGISTATUS":
        # DESIGN.md: the dialplan falls back to the default queue when the IVR is unreachable.
        if value != "SUCCESS" and value != "HANGUP" and "action" not in call.ivr_vars:
            call.set_ivr("action", "fallback")
    elif variable == dialplan.VAR_TICKET:
        call.ticket_no = value or call.ticket_no
    elif variable.startswith("HOTLINE_"):
        call.set_ivr(IVR_FIELD_OF_VARIABLE.get(variable, variable[8:].lower()), value)
        _ivr_alerts(state, call)
    state.touch_call(call)


def _ivr_alerts(state: LiveState, call: Call) -> None:
    ivr = call.ivr
    if ivr.action == "emergency" and ivr.target:
        ivr_emergency_alert(state, call, ivr.target)
    if ivr.action == "watch" and "watch" not in call.alerted:
        call.alerted.add("watch")
        state.alert("watch_caller", {"linkedid": call.linkedid, "caller": call.caller})


def on_dial_begin(state: LiveState, msg: Message) -> None:
    # An originated trunk leg (a unit's duty line) has no Channel, only Dest* fields and DialString.
    dest = msg.get("DestUniqueid")
    if not dest:
        return
    chan = state.add_channel(dest, msg.get("DestLinkedid"), msg.get("DestChannel"))
    dial = msg.get("DialString")
    if state.is_trunk(chan.name) and dial:
        chan.dialed = dialed_number(state, dial)
    call = state.call_of_channel(msg.get("Uniqueid"), msg.get("Linkedid"))
    if call is None or msg.get("Uniqueid") != call.uniqueid or not dial:
        return
    # DOMAIN.md §3: the citizen is being put through to 110/119/120/122, by whoever asked for it.
    target = emergency_dialed(state, dial)
    if target is not None:
        chan.dialed = target
        emergency_seen(state, call, target)


def on_dial_end(state: LiveState, msg: Message) -> None:
    """The citizen's own Dial to an emergency line ended (blind transfer, or the IVR's re-route).

    DialEnd carries no DialString (Asterisk 22): the number is the one DialBegin gave for the same
    destination channel (DestUniqueid)."""
    call = state.call_of_channel(msg.get("Uniqueid"), msg.get("Linkedid"))
    if call is None or msg.get("Uniqueid") != call.uniqueid:
        return
    dest = state.channels.get(msg.get("DestUniqueid"))
    if dest is None or not dest.dialed:
        return
    dial_ended(state, call, dest.dialed, msg.get("DialStatus"))


def on_bridge_enter(state: LiveState, msg: Message) -> None:
    if msg.get("BridgeCreator") != "ConfBridge":
        return
    conf = msg.get("BridgeName")
    uniqueid = msg.get("Uniqueid")
    call = state.call_of_channel(uniqueid, msg.get("Linkedid"))
    if call is not None and uniqueid == call.uniqueid:
        # The citizen entered a three-way bridge (our Redirect, or anyone's): the call continues there.
        call.conference = conf
        call.state = "threeway"
        state.conferences[conf] = call.linkedid
        state.touch_call(call)
        return
    owner = state.conferences.get(conf)
    if owner is None:
        return
    call = state.calls.get(owner)
    chan = state.channels.get(uniqueid)
    if call is None or chan is None or not state.is_trunk(chan.name):
        return
    chan.call = call.linkedid
    target = chan.dialed or msg.get("CallerIDNum")
    unit_joined(state, call, target)


def on_hangup(state: LiveState, msg: Message) -> None:
    uniqueid = msg.get("Uniqueid")
    chan = state.drop_channel(uniqueid)
    call = (
        state.calls.get(chan.call) if chan is not None and chan.call else state.calls.get(msg.get("Linkedid"))
    )
    cause = msg.get("Cause-txt") or None
    if call is not None and uniqueid == call.uniqueid:
        hold.citizen_left(state, call)
        finish_call(state, call, cause)
        return
    if call is not None and call.held_leg and call.seat_channel == msg.get("Channel"):
        hold.seat_left(state, call)
    ext = state.seat_of_channel(msg.get("Channel"))
    if ext is not None:
        seat = state.seats.get(ext)
        if seat is not None and seat.talking_channel == msg.get("Channel"):
            # The seat left without AgentComplete (e.g. it hung up in the three-way bridge later).
            seat.talking = None
            seat.talking_channel = None
            seat.caller = None
            state.refresh_seat(seat)
        if call is not None and call.seat_channel == msg.get("Channel") and call.state == "threeway":
            state.touch_call(call)

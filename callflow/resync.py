"""Resync, don't trust (DESIGN.md): after every (re)connect the state is rebuilt from
`QueueStatus` (members, pauses, waiting callers) and `CoreShowChannels` (live channels, who talks
to whom). Calls that ended while we were away are finished and their records published.

Both snapshots are applied from inside the read loop at the exact point their list ends on the
wire, so the events before them are already included and the events after them apply on top.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from callflow.ami.protocol import Message
from callflow.call import Call
from callflow.entities import Membership, Waiting, seat_of_interface
from callflow.live import LiveState
from callflow.records import finish_call
from callflow.transfers import dial_ended, emergency_seen
from core import dialplan

log = logging.getLogger(__name__)

LOST_CAUSE = "ended while the AMI connection was down"


def _duration_s(value: str) -> int:
    """`HH:MM:SS` → seconds (CoreShowChannel Duration); 0 when malformed."""
    try:
        h, m, s = (int(x) for x in value.split(":"))
    except ValueError:
        return 0
    return h * 3600 + m * 60 + s


def apply_queue_status(state: LiveState, _response: Message, items: list[Message]) -> None:
    now = state.now()
    members: dict[str, dict[str, Membership]] = {}
    names: dict[str, str] = {}
    waiting: dict[str, dict[str, Waiting]] = {}
    for item in items:
        queue = item.get("Queue")
        if not queue:
            continue
        if item.name == "QueueParams":
            state.queue(queue)
            waiting.setdefault(queue, {})
        elif item.name == "QueueMember":
            ext = seat_of_interface(item.get("StateInterface") or item.get("Location"))
            if ext is None:
                continue
            paused = item.get("Paused") == "1"
            members.setdefault(ext, {})[queue] = Membership(
                paused, item.get("PausedReason") if paused else ""
            )
            names[ext] = item.get("Name")
            seat = state.seat(ext, names[ext] or None)
            seat.wrapup_s = item.int("Wrapuptime", seat.wrapup_s)
        elif item.name == "QueueEntry":
            uniqueid = item.get("Uniqueid")
            call = state.call_of_channel(uniqueid, uniqueid)
            if call is None and state.is_trunk(item.get("Channel")):
                call = Call(
                    linkedid=uniqueid,
                    uniqueid=uniqueid,
                    channel=item.get("Channel"),
                    caller=item.get("CallerIDNum"),
                    caller_name=item.get("CallerIDName") or None,
                    did=None,
                    started_at=now - timedelta(seconds=item.int("Wait")),
                )
                state.calls[call.linkedid] = call
                state.add_channel(uniqueid, uniqueid, call.channel).call = call.linkedid
            linkedid = call.linkedid if call is not None else uniqueid
            old = state.queue(queue).waiting.get(linkedid)
            joined = old.joined_at if old is not None else now - timedelta(seconds=item.int("Wait"))
            waiting.setdefault(queue, {})[linkedid] = Waiting(
                linkedid, item.get("CallerIDNum"), joined, item.int("Position")
            )
            if call is not None:
                call.queue = queue
                call.queue_joined_at = call.queue_joined_at or joined
                call.reached_queue = True
                if call.answered_at is None:
                    call.state = "queued"
                state.touch_call(call)
    for ext, seat in state.seats.items():
        seat.memberships = members.get(ext, {})
    for queue, entries in waiting.items():
        q = state.queue(queue)
        q.waiting = entries
        q.wait_alerted &= set(entries)
    for seat in state.seats.values():
        state.refresh_seat(seat)
    for name in state.queues:
        state.touch_queue(name)
    state.mark_full_rewrite()


def _emergency_dial(state: LiveState, item: Message, live: dict[str, Message]) -> None:
    """A citizen found dialling an emergency line (the emergency context runs its Dial): the
    transfer and its referral are rebuilt, whoever re-routed the call; bridged means answered."""
    call = state.calls.get(item.get("Linkedid"))
    target = item.get("Exten")
    if (
        call is None
        or item.get("Uniqueid") != call.uniqueid
        or item.get("Context") != dialplan.CTX_EMERGENCY
        or target not in state.settings.emergency_targets()
    ):
        return
    emergency_seen(state, call, target)
    for uniqueid, leg in live.items():
        chan = state.channels.get(uniqueid)
        if chan is not None and uniqueid != call.uniqueid and leg.get("Linkedid") == call.linkedid:
            if state.is_trunk(chan.name) and not chan.dialed:
                chan.dialed = target  # its DialEnd (no DialString) settles the referral
    if item.get("Application") == "Dial" and item.get("ChannelState") == "6" and item.get("BridgeId"):
        dial_ended(state, call, target, "ANSWER")


def apply_channels(state: LiveState, _response: Message, items: list[Message]) -> None:
    now = state.now()
    live: dict[str, Message] = {i.get("Uniqueid"): i for i in items if i.get("Uniqueid")}
    # Calls whose citizen channel is gone ended while we were not listening.
    for call in list(state.calls.values()):
        if call.uniqueid not in live:
            finish_call(state, call, LOST_CAUSE)
    for uniqueid in [u for u in state.channels if u not in live]:
        state.drop_channel(uniqueid)
    for uniqueid, item in live.items():
        linkedid = item.get("Linkedid")
        chan = state.add_channel(uniqueid, linkedid, item.get("Channel"))
        if (
            uniqueid == linkedid
            and linkedid not in state.calls
            and state.is_trunk(chan.name)
            and item.get("Context") == dialplan.CTX_INBOUND
            and item.get("Exten") not in ("", dialplan.EXT_START)
        ):
            call = Call(
                linkedid=linkedid,
                uniqueid=uniqueid,
                channel=chan.name,
                caller=item.get("CallerIDNum"),
                caller_name=item.get("CallerIDName") or None,
                did=item.get("Exten"),
                started_at=now - timedelta(seconds=_duration_s(item.get("Duration"))),
                state="queued" if item.get("Application") == "Queue" else "ivr",
            )
            state.calls[linkedid] = call
            state.touch_call(call)
        if linkedid in state.calls:
            chan.call = linkedid
    for item in live.values():
        _emergency_dial(state, item, live)
    # Seat legs: talking when up and bridged, ringing when still alerting.
    talking: dict[str, tuple[str, str, int]] = {}
    ringing: dict[str, str] = {}
    for uniqueid, item in live.items():
        ext = state.seat_of_channel(item.get("Channel"))
        leg_of = state.calls.get(item.get("Linkedid"))
        if ext is None or leg_of is None or uniqueid == leg_of.uniqueid:
            continue
        # A seat whose citizen is on hold waits unbridged in its hold context: still on the call.
        on_hold = item.get("Context") == dialplan.CTX_HOLD_SEAT
        if item.get("ChannelState") == "6" and (item.get("BridgeId") or on_hold):
            talking[ext] = (leg_of.linkedid, item.get("Channel"), _duration_s(item.get("Duration")))
        elif item.get("ChannelState") in ("0", "5"):
            ringing[ext] = leg_of.linkedid
    for ext, seat in state.seats.items():
        if ext in talking:
            linkedid, channel, duration = talking[ext]
            seat.talking, seat.talking_channel = linkedid, channel
            call = state.calls[linkedid]
            call.seat, call.seat_channel = ext, channel
            if call.answered_at is None:
                call.answered_at = now - timedelta(seconds=duration)
            if call.state in ("ivr", "queued", "ringing"):
                call.state = "talking"
            seat.caller = call.caller
            state.touch_call(call)
        else:
            seat.talking = seat.talking_channel = None
        seat.ringing = ringing.get(ext)
        if seat.talking is None and seat.ringing is None:
            seat.caller = None
        state.refresh_seat(seat)
    for ext in talking.keys() - state.seats.keys():
        log.info("resync: seat %s talks but is in no queue", ext)
    state.mark_full_rewrite()

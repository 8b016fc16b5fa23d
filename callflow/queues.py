"""Queues and seats from app_queue's events: members, pauses, waiting callers, rings, answers.

Statistics of the day (DOMAIN.md §11) are counted from the figures Asterisk itself puts in the
events (HoldTime, TalkTime, RingTime), not from our clock, so they agree with queue_log.
"""

from __future__ import annotations

from datetime import timedelta

from callflow.ami.protocol import Message
from callflow.calls import ensure_call
from callflow.entities import Membership, Seat, Waiting, seat_of_interface
from callflow.live import LiveState


def _member(state: LiveState, msg: Message) -> Seat | None:
    ext = seat_of_interface(msg.get("Interface") or msg.get("Location") or msg.get("StateInterface"))
    if ext is None:
        return None
    return state.seat(ext, msg.get("MemberName") or msg.get("Name") or None)


def _sync_member(state: LiveState, seat: Seat, msg: Message) -> None:
    queue = msg.get("Queue")
    if not queue:
        return
    was = seat.memberships.get(queue)
    paused = msg.get("Paused") == "1"
    reason = msg.get("PausedReason") if paused else ""
    seat.memberships[queue] = Membership(paused=paused, reason=reason)
    seat.wrapup_s = msg.int("Wrapuptime", seat.wrapup_s)
    if was is not None and was.paused and not paused:
        seat.consecutive_misses = 0  # ready again: the three-ring count starts over
    state.queue(queue)
    state.touch_queue(queue)
    state.refresh_seat(seat)


def on_member_added(state: LiveState, msg: Message) -> None:
    seat = _member(state, msg)
    if seat is not None:
        _sync_member(state, seat, msg)


def on_member_changed(state: LiveState, msg: Message) -> None:
    """QueueMemberStatus and QueueMemberPause carry the full member row."""
    seat = _member(state, msg)
    if seat is not None:
        _sync_member(state, seat, msg)


def on_member_removed(state: LiveState, msg: Message) -> None:
    if not msg.get("Queue"):
        return  # a truncated or foreign event: nothing to attribute it to
    seat = _member(state, msg)
    if seat is None:
        return
    queue = msg.get("Queue")
    seat.memberships.pop(queue, None)
    if not seat.memberships:
        seat.consecutive_misses = 0
    state.touch_queue(queue)
    state.refresh_seat(seat)


def on_caller_join(state: LiveState, msg: Message) -> None:
    if not msg.get("Queue"):
        return  # a truncated or foreign event: nothing to attribute it to
    call = ensure_call(state, msg)
    queue = msg.get("Queue")
    now = state.now()
    linkedid = call.linkedid if call is not None else msg.get("Linkedid")
    caller = call.caller if call is not None else msg.get("CallerIDNum")
    state.queue(queue).waiting[linkedid] = Waiting(linkedid, caller, now, msg.int("Position"))
    state.touch_queue(queue)
    state.qstats(queue).offered += 1
    if call is not None:
        call.queue = queue
        call.queue_joined_at = now
        call.reached_queue = True
        call.state = "queued"
        state.touch_call(call)
        if queue == state.settings.watch_queue and "watch" not in call.alerted:
            call.alerted.add("watch")
            state.alert("watch_caller", {"linkedid": call.linkedid, "caller": call.caller, "queue": queue})


def on_caller_leave(state: LiveState, msg: Message) -> None:
    if not msg.get("Queue"):
        return  # a truncated or foreign event: nothing to attribute it to
    queue = msg.get("Queue")
    q = state.queue(queue)
    call = state.call_of_channel(msg.get("Uniqueid"), msg.get("Linkedid"))
    linkedid = call.linkedid if call is not None else msg.get("Linkedid")
    q.waiting.pop(linkedid, None)
    q.wait_alerted.discard(linkedid)
    state.touch_queue(queue)
    if call is not None:
        state.touch_call(call)


def on_caller_abandon(state: LiveState, msg: Message) -> None:
    if not msg.get("Queue"):
        return  # a truncated or foreign event: nothing to attribute it to
    queue = msg.get("Queue")
    hold = msg.int("HoldTime")
    stats = state.qstats(queue)
    stats.abandoned += 1
    stats.longest_wait_s = max(stats.longest_wait_s, hold)
    call = state.call_of_channel(msg.get("Uniqueid"), msg.get("Linkedid"))
    if call is not None:
        call.abandoned = True
        call.wait_s = float(hold)
        # The seat being rung stops ringing (queue_log RINGCANCELED); its desk must know.
        _stop_ringing(state, call.linkedid, call.ringing_seats, "cancelled")
        call.ringing_seats.clear()
        state.touch_call(call)


def _stop_ringing(state: LiveState, linkedid: str, exts: set[str], reason: str) -> None:
    for ext in list(exts):
        seat = state.seats.get(ext)
        if seat is not None and seat.ringing == linkedid:
            seat.ringing = None
            if seat.talking is None:
                seat.caller = None
            state.refresh_seat(seat)
            state.delta(f"desk:{ext}", "ring_end", {"linkedid": linkedid, "reason": reason})


def on_agent_called(state: LiveState, msg: Message) -> None:
    ext = seat_of_interface(msg.get("Interface"))
    if ext is None:
        return
    call = ensure_call(state, msg)
    seat = state.seat(ext, msg.get("MemberName") or None)
    linkedid = call.linkedid if call is not None else msg.get("Linkedid")
    seat.ringing = linkedid
    seat.caller = call.caller if call is not None else msg.get("CallerIDNum")
    state.refresh_seat(seat)
    state.sstats(ext).rings_offered += 1
    if call is not None:
        call.ringing_seats.add(ext)
        if call.state in ("ivr", "queued"):
            call.state = "ringing"
        state.touch_call(call)
        data = state.desk_call_data(call)
        data["ring_timeout_s"] = state.ring_timeout_s
        state.delta(f"desk:{ext}", "ring", data)


def on_agent_connect(state: LiveState, msg: Message) -> None:
    if not msg.get("Queue"):
        return  # a truncated or foreign event: nothing to attribute it to
    ext = seat_of_interface(msg.get("Interface"))
    if ext is None:
        return
    queue = msg.get("Queue")
    hold = msg.int("HoldTime")
    ring_s = msg.int("RingTime")
    call = ensure_call(state, msg)
    seat = state.seat(ext, msg.get("MemberName") or None)
    now = state.now()
    linkedid = call.linkedid if call is not None else msg.get("Linkedid")

    stats = state.qstats(queue)
    stats.answered += 1
    stats.wait_answered_total_s += hold
    stats.longest_wait_s = max(stats.longest_wait_s, hold)
    if hold <= state.settings.calls.service_level_s:
        stats.answered_within_sl += 1
    sstats = state.sstats(ext)
    sstats.answered += 1
    # 004 §11: answered within three rings.
    if ring_s <= state.ring_timeout_s:
        stats.rings_answered_in_time += 1
        sstats.rings_answered_in_time += 1

    seat.ringing = None
    seat.talking = linkedid
    seat.talking_channel = msg.get("DestChannel") or None
    seat.wrapup_until = None
    seat.consecutive_misses = 0
    seat.caller = call.caller if call is not None else msg.get("CallerIDNum")
    state.refresh_seat(seat)
    if call is not None:
        others = call.ringing_seats - {ext}
        _stop_ringing(state, call.linkedid, others, "answered_elsewhere")
        call.ringing_seats.clear()
        call.answered_at = now
        call.wait_s = float(hold)
        call.seat = ext
        call.seat_channel = seat.talking_channel
        call.state = "talking"
        call.held_leg = False
        call.queue_done = False
        if call.queue is None:
            call.queue = queue
        state.touch_call(call)
        data = state.desk_call_data(call)
        data["answered_at"] = now.isoformat()
        data["recording_path"] = call.recording_path
        state.delta(f"desk:{ext}", "connect", data)


def on_agent_complete(state: LiveState, msg: Message) -> None:
    if not msg.get("Queue"):
        return  # a truncated or foreign event: nothing to attribute it to
    ext = seat_of_interface(msg.get("Interface"))
    if ext is None:
        return
    talk = msg.int("TalkTime")
    queue = msg.get("Queue")
    stats = state.qstats(queue)
    stats.talk_total_s += talk
    stats.talk_count += 1
    state.sstats(ext).talk_total_s += talk
    call = state.call_of_channel(msg.get("Uniqueid"), msg.get("Linkedid"))
    seat = state.seat(ext, msg.get("MemberName") or None)
    linkedid = call.linkedid if call is not None else msg.get("Linkedid")
    if call is not None and call.held_leg and call.seat == ext:
        # Our hold's Redirect ended app_queue's part; the seat is still on the call (callflow.hold).
        call.queue_done = True
        state.touch_call(call)
        return
    if seat.talking == linkedid:
        seat.talking = None
        seat.talking_channel = None
        seat.caller = None
        # app_queue's wrap-up: the member's own Wrapuptime when it has one (QueueAdd sets none, so
        # it reports 0), else the queue's `wrapuptime`, rendered from settings.calls.wrapup_s.
        wrapup_s = seat.wrapup_s if seat.wrapup_s > 0 else state.settings.calls.wrapup_s
        if wrapup_s > 0:
            seat.wrapup_until = state.now() + timedelta(seconds=wrapup_s)
        state.refresh_seat(seat)
    if call is not None:
        call.talk_s = float(talk)
        if call.state == "talking":
            call.state = "transferred" if msg.get("Reason") == "transfer" else call.state
        state.touch_call(call)
    state.delta(f"desk:{ext}", "hangup", {"linkedid": linkedid, "reason": msg.get("Reason"), "talk_s": talk})

"""The three-ring rule (004 §11: 铃响三声必应答; DOMAIN.md §2).

app_queue rings a seat for the queue `timeout` (15 s = three rings at 1 s on / 4 s off) and then
sends AgentRingNoAnswer and rings the next seat. Here the miss is counted for the seat and the
queue, shown to supervisors, and after `misses_before_pause` consecutive misses the seat is put in
not-ready with reason 未在三声内应答 (settings.calls.pause_reason_ring_miss).
"""

from __future__ import annotations

from callflow.ami.protocol import Message
from callflow.live import LiveState, PauseSeat, seat_of_interface
from callflow.views import RingMissView
from core.contracts import RingMiss


def on_ring_no_answer(state: LiveState, msg: Message) -> None:
    ext = seat_of_interface(msg.get("Interface"))
    if ext is None or not msg.get("Queue"):
        return
    queue = msg.get("Queue")
    ring_ms = msg.int("RingTime")
    now = state.now()
    seat = state.seat(ext, msg.get("MemberName") or None)
    call = state.call_of_channel(msg.get("Uniqueid"), msg.get("Linkedid"))
    if call is not None:
        call.rings_missed.append(RingMiss(seat=ext, queue=queue, ring_ms=ring_ms, at=now))
        call.ringing_seats.discard(ext)
        state.touch_call(call)
    if seat.ringing == msg.get("Linkedid") or (call is not None and seat.ringing == call.linkedid):
        seat.ringing = None
        seat.caller = None
    seat.consecutive_misses += 1
    state.qstats(queue).rings_missed += 1
    state.sstats(ext).rings_missed += 1
    already_paused = bool(seat.memberships) and all(m.paused for m in seat.memberships.values())
    pause = seat.consecutive_misses >= state.settings.calls.misses_before_pause and not already_paused
    if pause:
        state.effect(PauseSeat(ext, state.settings.calls.pause_reason_ring_miss))
    state.refresh_seat(seat)
    linkedid = call.linkedid if call is not None else msg.get("Linkedid")
    caller = call.caller if call is not None else msg.get("CallerIDNum")
    state.mark_miss(
        RingMissView(
            seat=ext, queue=queue, linkedid=linkedid, caller=caller, ring_ms=ring_ms, at=now, paused=pause
        )
    )
    state.delta(f"desk:{ext}", "ring_end", {"linkedid": linkedid, "reason": "missed", "ring_ms": ring_ms})
    state.alert(
        "three_ring_miss",
        {
            "seat": ext,
            "queue": queue,
            "linkedid": linkedid,
            "ring_ms": ring_ms,
            "misses": seat.consecutive_misses,
            "paused": pause,
        },
    )

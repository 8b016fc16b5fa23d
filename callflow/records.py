"""A finished citizen call → one CallRecord (key: linkedid), plus the seat's emergency referrals."""

from __future__ import annotations

from callflow import hold
from callflow.live import Call, LiveState, PendingReferral, PublishRecord
from tickets.contracts import CallOutcome, CallRecord, EmergencyReferral, EmergencyService

EMERGENCY_NUMBERS: frozenset[str] = frozenset({"110", "119", "120", "122"})


def outcome_of(call: Call) -> CallOutcome:
    if call.answered_at is not None:
        return "answered"
    if call.abandoned:
        return "abandoned"
    if call.ivr.get("action") == "emergency":
        return "emergency_referred"
    if call.reached_queue:
        return "unanswered"
    return "ivr_hangup"


def build_record(state: LiveState, call: Call) -> CallRecord:
    ended = state.now()
    talk = call.talk_s
    if talk is None and call.answered_at is not None:
        # No AgentComplete (e.g. lost across a reconnect): the talk ran until the hang-up, less holds.
        talk = hold.talk_s(call, ended)
    return CallRecord(
        linkedid=call.linkedid,
        caller=call.caller,
        caller_name=call.caller_name,
        did=call.did,
        channel=call.channel,
        started_at=call.started_at,
        ended_at=ended,
        outcome=outcome_of(call),
        ivr=state.ivr_result(call),
        queue=call.queue,
        queue_joined_at=call.queue_joined_at,
        answered_at=call.answered_at,
        wait_s=call.wait_s,
        talk_s=talk,
        seat=call.seat,
        rings_missed=list(call.rings_missed),
        transfers=list(call.transfers),
        recording_path=call.recording_path,
        ticket_no=call.ticket_no,
        hangup_cause=call.hangup_cause,
        holds=hold.closed(call, ended),
    )


def referral_record(call: Call, ref: PendingReferral) -> EmergencyReferral | None:
    if ref.target not in EMERGENCY_NUMBERS:
        return None
    target: EmergencyService = ref.target  # type: ignore[assignment]
    outcome = ref.outcome if ref.outcome in ("answered", "busy", "failed", "pending") else "failed"
    return EmergencyReferral(
        linkedid=call.linkedid,
        caller=call.caller,
        target=target,
        source="seat",
        reason=ref.reason,
        transcript=call.ivr.get("transcript") or None,
        seat=ref.seat,
        at=ref.at,
        outcome=outcome,
    )


def publish_referral(state: LiveState, call: Call, ref: PendingReferral) -> None:
    if ref.published:
        return
    record = referral_record(call, ref)
    if record is not None:
        ref.published = True
        state.effect(PublishRecord(record))


def finish_call(state: LiveState, call: Call, cause: str | None) -> None:
    """The citizen's channel hung up: publish the record and forget the call."""
    call.hangup_cause = cause or call.hangup_cause
    call.state = "ended"
    for ref in call.referrals:
        publish_referral(state, call, ref)
    record = build_record(state, call)
    state.effect(PublishRecord(record))
    state.calls.pop(call.linkedid, None)
    state.dirty_calls.discard(call.linkedid)
    state.ended_calls.add(call.linkedid)
    if call.conference and state.conferences.get(call.conference) == call.linkedid:
        del state.conferences[call.conference]
    for q in state.queues.values():
        if q.waiting.pop(call.linkedid, None) is not None:
            state.touch_queue(q.name)
        q.wait_alerted.discard(call.linkedid)
    for ext in list(call.ringing_seats):
        seat = state.seats.get(ext)
        if seat is not None and seat.ringing == call.linkedid:
            seat.ringing = None
            seat.caller = None if seat.talking is None else seat.caller
            state.refresh_seat(seat)
    for key, (linkedid, _idx) in list(state.originates.items()):
        if linkedid == call.linkedid:
            del state.originates[key]
    state.delta(
        "wallboard",
        "call_end",
        {"linkedid": call.linkedid, "outcome": record.outcome, "queue": call.queue, "seat": call.seat},
    )
    state.version += 1

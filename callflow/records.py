"""A finished citizen call → one CallRecord (key: linkedid), plus the seat's emergency referrals."""

from __future__ import annotations

from callflow import hold
from callflow.call import Call, PendingReferral, record_of
from callflow.effects import PublishRecord
from callflow.live import LiveState
from core.contracts import CallOutcome, CallRecord, EmergencyReferral


def outcome_of(call: Call) -> CallOutcome:
    if call.answered_at is not None:
        return "answered"
    if call.abandoned:
        return "abandoned"
    if call.ivr.action == "emergency":
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
    holds = hold.closed(call, ended)
    return record_of(call, ended_at=ended, outcome=outcome_of(call), talk_s=talk, holds=holds)


def referral_record(call: Call, ref: PendingReferral, emergency: frozenset[str]) -> EmergencyReferral | None:
    """`emergency`: the deployment's numbers (settings.emergency_targets()); others are no referral."""
    if ref.target not in emergency:
        return None
    target = ref.target
    known = ("answered", "busy", "no_answer", "failed", "pending")
    outcome = ref.outcome if ref.outcome in known else "failed"
    return EmergencyReferral(
        linkedid=call.linkedid,
        caller=call.caller,
        target=target,
        # "events": recognised from the events alone, still the seat's call that was re-routed.
        source="ivr" if ref.source == "ivr" else "seat",
        reason=ref.reason,
        transcript=call.ivr.transcript or None,
        seat=ref.seat,
        at=ref.at,
        outcome=outcome,
    )


def publish_referral(state: LiveState, call: Call, ref: PendingReferral) -> None:
    if ref.published:
        return
    record = referral_record(call, ref, state.settings.emergency_targets())
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
    state.mark_call_ended(call.linkedid)
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

"""What the call path (callflow/, ivr/) hands to the work-order engine.

These are the only shapes that cross from the real-time side to the database side. They travel
through the Redis Stream of `core.handoff` as JSON, so every field is plain data, and every
record carries the key that makes its ingestion idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

# An emergency number of the deployment (core.settings emergency_numbers is the list: a city may
# use its own); a record only needs it to be a dialled number.
EmergencyNumber = Annotated[str, Field(min_length=1, max_length=20)]
CallOutcome = Literal[
    "answered",  # a seat talked with the citizen
    "abandoned",  # the citizen hung up while waiting in a queue
    "ivr_hangup",  # the citizen hung up before reaching a queue
    "emergency_referred",  # re-routed to 110/119/120/122 by the IVR
    "unanswered",  # reached a queue but left it without a seat and without hanging up (e.g. overflow failure)
]


class IvrResult(BaseModel):
    """What the IVR learnt before a seat answered (set on the call as HOTLINE_* variables)."""

    queue: str | None = None
    action: Literal["queue", "emergency", "watch", "survey", "fallback"] = "queue"
    target: str | None = None  # emergency number when action == "emergency"
    # The detector's service (fire / police / medical / traffic) when action == "emergency".
    emergency_service: str | None = None
    # A category code of the ticket engine's tree. Records of an IVR older than HOTLINE_EMERGENCY_SERVICE
    # and HOTLINE_NOT_ACCEPTED_REASON may still carry its emergency_<service> / not_accepted_<reason>
    # markers here: no tree holds them, so the ticket engine drops them like any unknown code.
    category: str | None = None
    ticket_type: str | None = None
    suggested_unit: str | None = None  # unit code of the directory: a suggestion, never a dispatch
    # HOTLINE_PRIORITY, the queue priority: 0 normal, 10 urgent (003 §10 utility outages, emergencies).
    priority: int | None = None
    transcript: str | None = None
    dtmf: str | None = None
    ticket_hint: str | None = None  # open ticket number of a repeat caller
    not_accepted_reason: str | None = None
    recording_path: str | None = None  # the caller's own utterance


class RingMiss(BaseModel):
    seat: str  # extension, e.g. "1001"
    queue: str
    ring_ms: int
    at: datetime


class Transfer(BaseModel):
    kind: Literal["threeway", "emergency_blind", "emergency_threeway"]
    target: str  # unit duty number or emergency number
    unit_code: str | None = None
    outcome: Literal["answered", "busy", "no_answer", "failed", "pending"]
    at: datetime
    seat: str | None = None


class HoldPeriod(BaseModel):
    """The seat put the citizen on hold (music on hold) from `start` to `end`."""

    start: datetime
    end: datetime | None = None  # None only while the hold lasts; a finished call's holds are closed
    seat: str | None = None


class CallFacts(BaseModel):
    """What is known of one citizen call, declared once: the live call (callflow.call.Call), its
    Redis/desk view (callflow.views.CallView) and the hand-off record below all derive from it, so
    a field both the view and the record carry is added here and nowhere else."""

    linkedid: str  # the citizen channel's linkedid
    caller: str
    caller_name: str | None = None
    did: str | None = None
    channel: str
    started_at: datetime
    ivr: IvrResult | None = None
    queue: str | None = None
    queue_joined_at: datetime | None = None
    answered_at: datetime | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    seat: str | None = None
    rings_missed: list[RingMiss] = Field(default_factory=list)
    transfers: list[Transfer] = Field(default_factory=list)
    recording_path: str | None = None
    # The ticket the seat opened on the desk during the call, if any.
    ticket_no: str | None = None
    # Hold periods of the call (the seat's 保持 button); older producers send none.
    holds: list[HoldPeriod] = Field(default_factory=list)


class CallRecord(CallFacts):
    """One finished citizen call, all legs joined (key: the citizen channel's linkedid)."""

    kind: Literal["call"] = "call"
    ended_at: datetime
    outcome: CallOutcome
    hangup_cause: str | None = None


class EmergencyReferral(BaseModel):
    """DOMAIN.md §3: an emergency re-route is logged as a referral record (key: linkedid + target)."""

    kind: Literal["emergency"] = "emergency"
    linkedid: str
    caller: str
    target: EmergencyNumber
    source: Literal["ivr", "seat"]
    reason: str  # detected category: fire / police / medical / traffic, or the seat's note
    transcript: str | None = None
    seat: str | None = None
    at: datetime
    outcome: Literal["answered", "busy", "no_answer", "failed", "pending"] = "pending"


class SurveyResult(BaseModel):
    """A callback survey (回访) answered by DTMF (key: ticket_no + linkedid)."""

    kind: Literal["survey"] = "survey"
    ticket_no: str
    linkedid: str
    phone: str
    satisfaction: Literal["satisfied", "basically_satisfied", "dissatisfied"] | None
    resolved: bool | None
    answered: bool  # False when the citizen gave no input after the retry
    at: datetime


HandoffRecord = Annotated[CallRecord | EmergencyReferral | SurveyResult, Field(discriminator="kind")]


class OpenTicketRef(BaseModel):
    ticket_no: str
    lead_unit_code: str | None
    status: str
    category: str | None


class CallerProfile(BaseModel):
    """What the IVR and the desk know about a number before a seat answers (DOMAIN.md §10)."""

    phone: str
    open_tickets: list[OpenTicketRef] = Field(default_factory=list)
    calls_last_24h: int = 0
    calls_last_30d: int = 0
    repeat_caller: bool = False
    watch_listed: bool = False
    watch_reason: str | None = None

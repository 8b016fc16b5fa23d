"""The shapes of live state as stored in Redis and read by the web desk and wallboard.

`callflow.store` writes them as JSON and reads them back; the notifier publishes the same shapes
as delta payloads, so a snapshot and the deltas after it always agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer

from core.contracts import CallFacts, IvrResult

SeatStateName = Literal["logged_out", "ready", "not_ready", "ringing", "talking", "wrapup"]
CallStateName = Literal["ivr", "queued", "ringing", "talking", "held", "threeway", "transferred", "ended"]
# A set in memory, a sorted list in JSON (snapshots and deltas of the same state compare equal).
SortedNames = Annotated[set[str], PlainSerializer(sorted, return_type=list[str])]


class SeatView(BaseModel):
    ext: str
    name: str
    state: SeatStateName
    since: datetime
    reason: str | None = None  # not-ready reason (e.g. 未在三声内应答)
    queues: list[str] = Field(default_factory=list)
    paused_queues: list[str] = Field(default_factory=list)
    linkedid: str | None = None  # the call it is ringing for or talking on
    caller: str | None = None
    wrapup_until: datetime | None = None
    calls_today: int = 0
    misses_today: int = 0
    # Misses since the seat was last ready or answered; the pause rule counts these.
    consecutive_misses: int = 0


class WaitingCaller(BaseModel):
    linkedid: str
    caller: str
    joined_at: datetime
    position: int = 0


class QueueView(BaseModel):
    name: str
    title: str
    waiting: list[WaitingCaller] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)  # seat extensions logged in
    ready: int = 0
    talking: int = 0

    def longest_wait_s(self, now: datetime) -> float:
        if not self.waiting:
            return 0.0
        return max(0.0, (now - min(w.joined_at for w in self.waiting)).total_seconds())


class CallView(CallFacts):
    """A call in progress as Redis, the desk and the wallboard see it: `CallFacts` plus the live
    call's public state. `callflow.call.Call` extends it with what only the AMI consumer needs."""

    ivr: IvrResult = Field(default_factory=IvrResult)
    state: CallStateName
    seat_channel: str | None = None
    ringing_seats: SortedNames = Field(default_factory=set)
    conference: str | None = None


class QueueStatsView(BaseModel):
    """One queue, one day (DOMAIN.md §11). Counters come from AMI and reconcile with queue_log."""

    queue: str
    day: str
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within_sl: int = 0  # hold time ≤ service level (15 s: three rings)
    wait_answered_total_s: int = 0
    talk_total_s: int = 0
    talk_count: int = 0
    longest_wait_s: int = 0
    rings_answered_in_time: int = 0
    rings_missed: int = 0
    service_level_s: int = 15

    @property
    def answer_rate(self) -> float | None:
        """接通率: answered / offered (000 §12)."""
        return self.answered / self.offered if self.offered else None

    @property
    def abandon_rate(self) -> float | None:
        """呼损率: abandoned / offered."""
        return self.abandoned / self.offered if self.offered else None

    @property
    def service_level(self) -> float | None:
        """Share of offered calls answered within the service level (three rings)."""
        return self.answered_within_sl / self.offered if self.offered else None

    @property
    def three_ring_rate(self) -> float | None:
        """004 §11: rings answered within three rings / rings that ended by answer or timeout."""
        total = self.rings_answered_in_time + self.rings_missed
        return self.rings_answered_in_time / total if total else None

    @property
    def average_speed_of_answer_s(self) -> float | None:
        return self.wait_answered_total_s / self.answered if self.answered else None

    @property
    def average_handle_time_s(self) -> float | None:
        return self.talk_total_s / self.talk_count if self.talk_count else None

    def summary(self) -> dict[str, object]:
        """Counters plus the derived rates, for the wallboard."""
        return {
            **self.model_dump(),
            "answer_rate": self.answer_rate,
            "abandon_rate": self.abandon_rate,
            "service_level": self.service_level,
            "three_ring_rate": self.three_ring_rate,
            "average_speed_of_answer_s": self.average_speed_of_answer_s,
            "average_handle_time_s": self.average_handle_time_s,
        }


class SeatStatsView(BaseModel):
    seat: str
    day: str
    rings_offered: int = 0
    answered: int = 0
    rings_answered_in_time: int = 0
    rings_missed: int = 0
    talk_total_s: int = 0

    @property
    def three_ring_rate(self) -> float | None:
        total = self.rings_answered_in_time + self.rings_missed
        return self.rings_answered_in_time / total if total else None


class RingMissView(BaseModel):
    seat: str
    queue: str
    linkedid: str
    caller: str
    ring_ms: int
    at: datetime
    paused: bool  # whether this miss put the seat in not-ready


class Snapshot(BaseModel):
    """What a websocket client gets on connect, before the deltas."""

    at: datetime
    queues: list[QueueView]
    seats: list[SeatView]
    calls: list[CallView]
    stats: list[QueueStatsView] = Field(default_factory=list)

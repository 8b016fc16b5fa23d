"""In-memory live state of one Asterisk node, the single writer of its Redis projection.

Exactly one AMI consumer runs per node (it holds the Redis lease), so this process owns the
truth and Redis is its projection: handlers change these objects and mark them dirty; the store
writes the dirty ones in one pipeline and the notifier publishes them as deltas. If Redis loses
its data (restart), the whole projection is rewritten from here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callflow.ami.actions import Action
from callflow.views import (
    CallStateName,
    CallView,
    QueueStatsView,
    QueueView,
    RingMissView,
    SeatStateName,
    SeatStatsView,
    SeatView,
    WaitingCaller,
)
from hotline import dialplan
from hotline.settings import Settings
from tickets.contracts import CallRecord, EmergencyReferral, HoldPeriod, IvrResult, RingMiss, Transfer
from tickets.vocab import NOT_ACCEPTED_REASONS

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def endpoint_of(channel: str) -> str | None:
    """`PJSIP/1001-00000001` → `1001`; None for non-PJSIP channels (Local, CBAnn...)."""
    if not channel.startswith("PJSIP/"):
        return None
    rest = channel[6:]
    dash = rest.rfind("-")
    return rest[:dash] if dash > 0 else rest


def seat_of_interface(interface: str) -> str | None:
    """`PJSIP/1001` → `1001`."""
    if interface.startswith("PJSIP/"):
        ext = interface[6:]
        return ext or None
    return None


@dataclass
class Membership:
    paused: bool = False
    reason: str = ""


@dataclass
class Seat:
    ext: str
    name: str
    since: datetime
    memberships: dict[str, Membership] = field(default_factory=dict)
    ringing: str | None = None  # linkedid
    talking: str | None = None  # linkedid
    talking_channel: str | None = None
    wrapup_s: int = 0
    wrapup_until: datetime | None = None
    consecutive_misses: int = 0
    state: SeatStateName = "logged_out"
    caller: str | None = None


@dataclass
class Waiting:
    linkedid: str
    caller: str
    joined_at: datetime
    position: int = 0


@dataclass
class LiveQueue:
    name: str
    title: str
    waiting: dict[str, Waiting] = field(default_factory=dict)
    wait_alerted: set[str] = field(default_factory=set)


@dataclass
class PendingReferral:
    target: str
    reason: str
    seat: str | None
    at: datetime
    outcome: str = "pending"
    published: bool = False


@dataclass
class Call:
    linkedid: str
    uniqueid: str
    channel: str
    caller: str
    caller_name: str | None
    did: str | None
    started_at: datetime
    state: CallStateName = "ivr"
    ivr: dict[str, str] = field(default_factory=dict)
    queue: str | None = None
    queue_joined_at: datetime | None = None
    answered_at: datetime | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    seat: str | None = None
    seat_channel: str | None = None
    ringing_seats: set[str] = field(default_factory=set)
    rings_missed: list[RingMiss] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    conference: str | None = None
    recording_path: str | None = None
    ticket_no: str | None = None
    abandoned: bool = False
    reached_queue: bool = False
    hangup_cause: str | None = None
    referrals: list[PendingReferral] = field(default_factory=list)
    alerted: set[str] = field(default_factory=set)
    holds: list[HoldPeriod] = field(default_factory=list)
    # The current seat leg was held: app_queue is done with it and the seat leaves by hanging up.
    held_leg: bool = False
    queue_done: bool = False  # AgentComplete of the current seat leg counted

    @property
    def held(self) -> bool:
        return bool(self.holds) and self.holds[-1].end is None


@dataclass
class Channel:
    uniqueid: str
    linkedid: str
    name: str
    call: str | None = None  # linkedid of the citizen call this leg belongs to
    dialed: str | None = None  # number dialled on an originated trunk leg


@dataclass
class PauseSeat:
    ext: str
    reason: str


@dataclass
class PublishRecord:
    record: CallRecord | EmergencyReferral


@dataclass
class SendAction:
    """An AMI action the state asks for (e.g. a held citizen whose seat hung up is requeued)."""

    action: Action
    why: str


Effect = PauseSeat | PublishRecord | SendAction


def _ivr_fields() -> frozenset[str]:
    return frozenset(IvrResult.model_fields)


IVR_FIELDS = _ivr_fields()
IVR_ACTIONS = frozenset({"queue", "emergency", "watch", "survey", "fallback"})
NOT_ACCEPTED_PREFIX = "not_accepted_"
_INTEGER = re.compile(r"-?[0-9]{1,6}")


class LiveState:
    def __init__(self, settings: Settings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)
        self.seats: dict[str, Seat] = {}
        self.queues: dict[str, LiveQueue] = {q.name: LiveQueue(q.name, q.title) for q in settings.queues}
        self.calls: dict[str, Call] = {}
        self.channels: dict[str, Channel] = {}  # by uniqueid
        self.channel_names: dict[str, str] = {}  # channel name → uniqueid
        self.conferences: dict[str, str] = {}  # conference name → citizen linkedid
        self.originates: dict[str, tuple[str, int]] = {}  # ActionID → (linkedid, transfer index)
        self.queue_stats: dict[tuple[str, str], QueueStatsView] = {}
        self.seat_stats: dict[tuple[str, str], SeatStatsView] = {}
        # Dirty sets and outputs, drained by the store on each flush.
        self.dirty_seats: set[str] = set()
        self.dirty_queues: set[str] = set()
        self.dirty_calls: set[str] = set()
        self.ended_calls: set[str] = set()
        self.dirty_queue_stats: set[tuple[str, str]] = set()
        self.dirty_seat_stats: set[tuple[str, str]] = set()
        self.new_misses: list[tuple[str, str, RingMissView]] = []  # (day, ext, miss)
        self.deltas: list[tuple[str, str, dict[str, Any]]] = []  # (target, op, data)
        self.effects: list[Effect] = []
        self.full_rewrite = True
        self.version = 0  # bumped on every change; the writer uses it to know what is flushed

    # ---- clocks and keys ------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock()

    def day(self, at: datetime | None = None) -> str:
        return (at or self.now()).astimezone(self.tz).date().isoformat()

    @property
    def ring_timeout_s(self) -> int:
        return self.settings.calls.ring_timeout_s

    # ---- change tracking --------------------------------------------------------------------------
    def touch_call(self, call: Call) -> None:
        self.dirty_calls.add(call.linkedid)
        self.version += 1

    def touch_queue(self, name: str) -> None:
        self.dirty_queues.add(name)
        self.version += 1

    def delta(self, target: str, op: str, data: dict[str, Any]) -> None:
        """`target` is "wallboard" or "desk:<ext>" (see callflow.notifier)."""
        self.deltas.append((target, op, data))
        self.version += 1

    def alert(self, kind: str, data: dict[str, Any]) -> None:
        self.delta("wallboard", "alert", {"kind": kind, "at": self.now().isoformat(), **data})

    def effect(self, effect: Effect) -> None:
        self.effects.append(effect)

    # ---- entities -------------------------------------------------------------------------------
    def queue(self, name: str) -> LiveQueue:
        q = self.queues.get(name)
        if q is None:
            # A queue Asterisk knows and the settings do not: still shown, titled by its name.
            q = self.queues[name] = LiveQueue(name, name)
        return q

    def seat(self, ext: str, name: str | None = None) -> Seat:
        seat = self.seats.get(ext)
        if seat is None:
            seat = self.seats[ext] = Seat(ext=ext, name=name or f"坐席{ext}", since=self.now())
        elif name:
            seat.name = name
        return seat

    def qstats(self, queue: str, day: str | None = None) -> QueueStatsView:
        key = (day or self.day(), queue)
        stats = self.queue_stats.get(key)
        if stats is None:
            stats = self.queue_stats[key] = QueueStatsView(
                queue=queue, day=key[0], service_level_s=self.settings.calls.service_level_s
            )
        self.dirty_queue_stats.add(key)
        self.version += 1
        return stats

    def sstats(self, ext: str, day: str | None = None) -> SeatStatsView:
        key = (day or self.day(), ext)
        stats = self.seat_stats.get(key)
        if stats is None:
            stats = self.seat_stats[key] = SeatStatsView(seat=ext, day=key[0])
        self.dirty_seat_stats.add(key)
        self.version += 1
        return stats

    def add_channel(self, uniqueid: str, linkedid: str, name: str) -> Channel:
        chan = self.channels.get(uniqueid)
        if chan is None:
            chan = self.channels[uniqueid] = Channel(uniqueid, linkedid, name)
            self.channel_names[name] = uniqueid
            if linkedid in self.calls:
                chan.call = linkedid
        elif chan.name != name:
            self.channel_names.pop(chan.name, None)
            chan.name = name
            self.channel_names[name] = uniqueid
        return chan

    def drop_channel(self, uniqueid: str) -> Channel | None:
        chan = self.channels.pop(uniqueid, None)
        if chan is not None and self.channel_names.get(chan.name) == uniqueid:
            del self.channel_names[chan.name]
        return chan

    def call_of_channel(self, uniqueid: str, linkedid: str = "") -> Call | None:
        chan = self.channels.get(uniqueid)
        if chan is not None and chan.call is not None:
            return self.calls.get(chan.call)
        return self.calls.get(linkedid) if linkedid else None

    def is_trunk(self, channel: str) -> bool:
        return endpoint_of(channel) == dialplan.TRUNK_ENDPOINT

    def seat_of_channel(self, channel: str) -> str | None:
        ep = endpoint_of(channel)
        return ep if ep is not None and ep != dialplan.TRUNK_ENDPOINT else None

    # ---- seat state -----------------------------------------------------------------------------
    def refresh_seat(self, seat: Seat) -> None:
        """Recomputes the seat's displayed state; always marks it dirty (fields may have changed)."""
        now = self.now()
        state: SeatStateName
        if not seat.memberships:
            state = "logged_out"
        elif seat.talking is not None:
            state = "talking"
        elif seat.ringing is not None:
            state = "ringing"
        elif seat.wrapup_until is not None and seat.wrapup_until > now:
            state = "wrapup"
        elif all(m.paused for m in seat.memberships.values()):
            state = "not_ready"
        else:
            state = "ready"
        if state != seat.state:
            seat.state = state
            seat.since = now
        self.dirty_seats.add(seat.ext)
        self.version += 1

    def seat_reason(self, seat: Seat) -> str | None:
        reasons = [m.reason for m in seat.memberships.values() if m.paused and m.reason]
        return reasons[0] if reasons else None

    # ---- views ----------------------------------------------------------------------------------
    def seat_view(self, seat: Seat) -> SeatView:
        stats = self.seat_stats.get((self.day(), seat.ext))
        return SeatView(
            ext=seat.ext,
            name=seat.name,
            state=seat.state,
            since=seat.since,
            reason=self.seat_reason(seat) if seat.state == "not_ready" else None,
            queues=sorted(seat.memberships),
            paused_queues=sorted(q for q, m in seat.memberships.items() if m.paused),
            linkedid=seat.talking or seat.ringing,
            caller=seat.caller,
            wrapup_until=seat.wrapup_until if seat.state == "wrapup" else None,
            calls_today=stats.answered if stats else 0,
            misses_today=stats.rings_missed if stats else 0,
            consecutive_misses=seat.consecutive_misses,
        )

    def queue_view(self, q: LiveQueue) -> QueueView:
        members = sorted(ext for ext, s in self.seats.items() if q.name in s.memberships)
        ready = sum(
            1
            for ext in members
            if self.seats[ext].state == "ready" and not self.seats[ext].memberships[q.name].paused
        )
        talking = sum(1 for ext in members if self.seats[ext].state == "talking")
        waiting = sorted(q.waiting.values(), key=lambda w: w.joined_at)
        return QueueView(
            name=q.name,
            title=q.title,
            waiting=[
                WaitingCaller(
                    linkedid=w.linkedid, caller=w.caller, joined_at=w.joined_at, position=w.position
                )
                for w in waiting
            ],
            members=members,
            ready=ready,
            talking=talking,
        )

    def ivr_result(self, call: Call) -> IvrResult:
        data: dict[str, Any] = {k: v for k, v in call.ivr.items() if k in IVR_FIELDS and v != ""}
        if data.get("action") not in IVR_ACTIONS:
            data.pop("action", None)
        # A channel variable is any text; only a whole number is a queue priority.
        priority = data.pop("priority", None)
        if priority is not None and _INTEGER.fullmatch(priority):
            data["priority"] = int(priority)
        category = data.get("category", "")
        reason = category.removeprefix(NOT_ACCEPTED_PREFIX)
        if "not_accepted_reason" not in data and reason != category and reason in NOT_ACCEPTED_REASONS:
            # DOMAIN.md §3: the IVR's not_accepted_<reason> marker is the desk's refusal hint.
            data["not_accepted_reason"] = reason
        return IvrResult.model_validate(data)

    def call_view(self, call: Call) -> CallView:
        return CallView(
            linkedid=call.linkedid,
            caller=call.caller,
            caller_name=call.caller_name,
            did=call.did,
            channel=call.channel,
            state=call.state,
            started_at=call.started_at,
            ivr=self.ivr_result(call),
            queue=call.queue,
            queue_joined_at=call.queue_joined_at,
            answered_at=call.answered_at,
            wait_s=call.wait_s,
            talk_s=call.talk_s,
            seat=call.seat,
            seat_channel=call.seat_channel,
            ringing_seats=sorted(call.ringing_seats),
            rings_missed=list(call.rings_missed),
            transfers=list(call.transfers),
            conference=call.conference,
            recording_path=call.recording_path,
            ticket_no=call.ticket_no,
            holds=list(call.holds),
        )

    def desk_call_data(self, call: Call) -> dict[str, Any]:
        """What a seat's desk needs to pre-fill the ticket form (DOMAIN.md §2: 边接听、边记录)."""
        return {
            "linkedid": call.linkedid,
            "caller": call.caller,
            "caller_name": call.caller_name,
            "did": call.did,
            "queue": call.queue,
            "ivr": self.ivr_result(call).model_dump(mode="json"),
            "ticket_no": call.ticket_no,
            "held": call.held,
        }

    def restore_call(self, view: CallView) -> Call:
        """A call in progress taken back from the Redis projection (the AMI role restarted).

        Only inbound calls are ever tracked, and their first channel's uniqueid is the linkedid.
        The next resync keeps it if its channel is still up and finishes it otherwise.
        """
        ivr = {k: str(v) for k, v in view.ivr.model_dump(exclude_none=True).items()}
        call = Call(
            linkedid=view.linkedid,
            uniqueid=view.linkedid,
            channel=view.channel,
            caller=view.caller,
            caller_name=view.caller_name,
            did=view.did,
            started_at=view.started_at,
            state=view.state,
            ivr=ivr,
            queue=view.queue,
            queue_joined_at=view.queue_joined_at,
            answered_at=view.answered_at,
            wait_s=view.wait_s,
            talk_s=view.talk_s,
            seat=view.seat,
            seat_channel=view.seat_channel,
            rings_missed=list(view.rings_missed),
            transfers=list(view.transfers),
            conference=view.conference,
            recording_path=view.recording_path,
            ticket_no=view.ticket_no,
            reached_queue=view.queue_joined_at is not None,
            holds=list(view.holds),
            # A held leg's queue part is over; the old process may have counted its AgentComplete.
            held_leg=view.seat_channel is not None
            and any(view.answered_at is not None and h.start >= view.answered_at for h in view.holds),
            queue_done=bool(view.holds),
        )
        self.calls[call.linkedid] = call
        self.add_channel(call.uniqueid, call.linkedid, call.channel).call = call.linkedid
        if call.conference:
            self.conferences[call.conference] = call.linkedid
        return call

    # ---- timers ---------------------------------------------------------------------------------
    def tick(self) -> None:
        """Once a second: wrap-up ends, and the queue-over-wait-limit alert."""
        now = self.now()
        for seat in self.seats.values():
            if seat.state == "wrapup" and seat.wrapup_until is not None and seat.wrapup_until <= now:
                seat.wrapup_until = None
                self.refresh_seat(seat)
        limit = timedelta(seconds=self.settings.calls.overflow_after_s)
        for q in self.queues.values():
            for w in q.waiting.values():
                if w.linkedid not in q.wait_alerted and now - w.joined_at >= limit:
                    q.wait_alerted.add(w.linkedid)
                    self.alert(
                        "queue_wait_limit",
                        {
                            "queue": q.name,
                            "linkedid": w.linkedid,
                            "caller": w.caller,
                            "wait_s": int((now - w.joined_at).total_seconds()),
                        },
                    )

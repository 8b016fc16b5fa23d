"""In-memory live state of one Asterisk node, the single writer of its Redis projection.

Exactly one AMI consumer runs per node (it holds the Redis lease), so this process owns the
truth and Redis is its projection: handlers change these objects and mark them (`touch_*`,
`mark_*`); the store takes what changed with `drain()`, writes it in one pipeline and the
notifier publishes it as deltas. If Redis loses its data (restart), the whole projection is
rewritten from here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callflow.call import Call, PendingReferral, restored, view_json, view_of
from callflow.changes import ChangeSet, Delta
from callflow.effects import Effect, PauseSeat, PublishRecord, SendAction
from callflow.entities import Channel, LiveQueue, Membership, Seat, Waiting, endpoint_of, seat_of_interface
from callflow.views import (
    CallView,
    QueueStatsView,
    QueueView,
    RingMissView,
    SeatStateName,
    SeatStatsView,
    SeatView,
    WaitingCaller,
)
from core.contracts import IvrResult
from core.settings import Settings

# Callers still import the entities from here.
__all__ = [
    "Call",
    "ChangeSet",
    "Channel",
    "Clock",
    "Effect",
    "LiveQueue",
    "LiveState",
    "Membership",
    "PauseSeat",
    "PendingReferral",
    "PublishRecord",
    "Seat",
    "SendAction",
    "Waiting",
    "endpoint_of",
    "seat_of_interface",
    "utcnow",
]

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class LiveState:
    def __init__(self, settings: Settings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        # Every trunk of the softswitch settings: a deployment names its own (HOTLINE_SOFTSWITCH__TRUNKS).
        self.trunks = frozenset(t.name for t in settings.softswitch.trunks)
        self.tz = ZoneInfo(settings.timezone)
        self.seats: dict[str, Seat] = {}
        self.queues: dict[str, LiveQueue] = {q.name: LiveQueue(q.name, q.title) for q in settings.queues}
        self.calls: dict[str, Call] = {}
        self.channels: dict[str, Channel] = {}  # by uniqueid
        self.channel_names: dict[str, str] = {}  # channel name → uniqueid
        self.conferences: dict[str, str] = {}  # conference name → citizen linkedid
        self.originates: dict[str, tuple[str, int]] = {}  # ActionID → (linkedid, transfer index)
        # Today's figures by (day, queue) / (day, ext); `drain` drops those of earlier days.
        self.queue_stats: dict[tuple[str, str], QueueStatsView] = {}
        self.seat_stats: dict[tuple[str, str], SeatStatsView] = {}
        self.effects: list[Effect] = []  # taken by the service after each batch of events
        # What changed since the last drain; only this class reads or edits it.
        self._seats: set[str] = set()
        self._queues: set[str] = set()
        self._calls: set[str] = set()
        self._ended: set[str] = set()
        self._queue_stats: set[tuple[str, str]] = set()
        self._seat_stats: set[tuple[str, str]] = set()
        self._misses: list[tuple[str, RingMissView]] = []
        self._deltas: list[Delta] = []
        self._full_rewrite = True
        self._version = 0  # bumped on every change; the writer uses it to know what is flushed
        self._stats_day = ""

    # ---- clocks and keys ------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock()

    def day(self, at: datetime | None = None) -> str:
        return (at or self.now()).astimezone(self.tz).date().isoformat()

    @property
    def ring_timeout_s(self) -> int:
        return self.settings.calls.ring_timeout_s

    # ---- change tracking --------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return self._version

    @property
    def full_rewrite(self) -> bool:
        """A full rewrite of the projection is pending (until `rewrite_done`)."""
        return self._full_rewrite

    @property
    def deltas(self) -> tuple[Delta, ...]:
        """The deltas not drained yet, oldest first."""
        return tuple(self._deltas)

    def touch_call(self, call: Call) -> None:
        self._calls.add(call.linkedid)
        self._version += 1

    def touch_queue(self, name: str) -> None:
        self._queues.add(name)
        self._version += 1

    def mark_call_ended(self, linkedid: str) -> None:
        """The call left the state: its view is removed from the projection."""
        self._calls.discard(linkedid)
        self._ended.add(linkedid)
        self._version += 1

    def mark_miss(self, miss: RingMissView) -> None:
        """A three-ring miss, appended to its day's list."""
        self._misses.append((self.day(miss.at), miss))
        self._version += 1

    def mark_full_rewrite(self) -> None:
        self._full_rewrite = True

    def rewrite_done(self) -> None:
        self._full_rewrite = False

    def delta(self, target: str, op: str, data: dict[str, Any]) -> None:
        """`target` is "wallboard" or "desk:<ext>" (see callflow.notifier)."""
        self._deltas.append((target, op, data))
        self._version += 1

    def alert(self, kind: str, data: dict[str, Any]) -> None:
        self.delta("wallboard", "alert", {"kind": kind, "at": self.now().isoformat(), **data})

    def effect(self, effect: Effect) -> None:
        self.effects.append(effect)

    def drain(self) -> ChangeSet:
        """What changed since the last drain, and forget it; at a day's rollover the figures of
        earlier days are dropped (the changes already made to them are in this change set)."""
        today = self.day()
        changes = ChangeSet(
            version=self._version,
            day=today,
            full=self._full_rewrite,
            seats=frozenset(self._seats),
            queues=frozenset(self._queues),
            calls=frozenset(self._calls),
            ended=frozenset(self._ended),
            queue_stats=tuple(self.queue_stats[k] for k in self._queue_stats if k in self.queue_stats),
            seat_stats=tuple(self.seat_stats[k] for k in self._seat_stats if k in self.seat_stats),
            misses=tuple(self._misses),
            deltas=tuple(self._deltas),
        )
        self._seats, self._queues, self._calls, self._ended = set(), set(), set(), set()
        self._queue_stats, self._seat_stats = set(), set()
        self._misses, self._deltas = [], []
        if today != self._stats_day:
            self._stats_day = today
            for stats in (self.queue_stats, self.seat_stats):
                for key in [k for k in stats if k[0] < today]:
                    del stats[key]
        return changes

    def restore_stats(self, day: str, queues: list[QueueStatsView], seats: list[SeatStatsView]) -> None:
        """A day's figures taken back from Redis (the AMI role restarted)."""
        for q in queues:
            self.queue_stats[(day, q.queue)] = q
        for s in seats:
            self.seat_stats[(day, s.seat)] = s

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
        self._queue_stats.add(key)
        self._version += 1
        return stats

    def sstats(self, ext: str, day: str | None = None) -> SeatStatsView:
        key = (day or self.day(), ext)
        stats = self.seat_stats.get(key)
        if stats is None:
            stats = self.seat_stats[key] = SeatStatsView(seat=ext, day=key[0])
        self._seat_stats.add(key)
        self._version += 1
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
        return endpoint_of(channel) in self.trunks

    def seat_of_channel(self, channel: str) -> str | None:
        ep = endpoint_of(channel)
        return ep if ep is not None and ep not in self.trunks else None

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
        elif all(m.paused for m in seat.memberships.values()):
            # A pause (with its reason) outlasts the queue's wrap-up: it is what the seat chose.
            state = "not_ready"
        elif seat.wrapup_until is not None and seat.wrapup_until > now:
            state = "wrapup"
        else:
            state = "ready"
        if state != seat.state:
            seat.state = state
            seat.since = now
        self._seats.add(seat.ext)
        self._version += 1

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
        return call.ivr

    def call_view(self, call: Call) -> CallView:
        return view_of(call)

    def call_json(self, call: Call) -> str:
        """`call_view(call)` as JSON, the form the store writes and publishes."""
        return view_json(call)

    def desk_call_data(self, call: Call) -> dict[str, Any]:
        """What a seat's desk needs to pre-fill the ticket form (DOMAIN.md §2: 边接听、边记录)."""
        return {
            "linkedid": call.linkedid,
            "caller": call.caller,
            "caller_name": call.caller_name,
            "did": call.did,
            "queue": call.queue,
            "ivr": call.ivr.model_dump(mode="json"),
            "ticket_no": call.ticket_no,
            "held": call.held,
        }

    def restore_call(self, view: CallView) -> Call:
        """A call in progress taken back from the Redis projection (the AMI role restarted);
        the next resync keeps it if its channel is still up and finishes it otherwise."""
        call = restored(view)
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

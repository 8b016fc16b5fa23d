"""What changed in the live state since the store last wrote it (`LiveState.drain`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callflow.views import QueueStatsView, RingMissView, SeatStatsView

Delta = tuple[str, str, dict[str, Any]]  # (target, op, data), see callflow.notifier


@dataclass(frozen=True, slots=True)
class ChangeSet:
    version: int  # the state's version when drained: Redis has everything up to it once written
    day: str  # today (local zone) when drained; the state keeps no statistics of earlier days
    full: bool  # the whole projection must be rewritten (until `LiveState.rewrite_done`)
    seats: frozenset[str]
    queues: frozenset[str]
    calls: frozenset[str]
    ended: frozenset[str]  # calls that ended: removed from the projection
    queue_stats: tuple[QueueStatsView, ...]
    seat_stats: tuple[SeatStatsView, ...]
    misses: tuple[tuple[str, RingMissView], ...]  # (day, miss), in order
    deltas: tuple[Delta, ...]

    @property
    def empty(self) -> bool:
        return not (
            self.seats
            or self.queues
            or self.calls
            or self.ended
            or self.queue_stats
            or self.seat_stats
            or self.misses
            or self.deltas
        )

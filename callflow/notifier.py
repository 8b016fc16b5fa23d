"""The only publisher of live deltas (Redis pub/sub). The web desk and wallboard subscribe here.

Channels (``<prefix>`` is settings.redis_prefix):

``<prefix>events:wallboard``
    Everything supervisors see. Messages are JSON ``{"op": ..., "data": ...}`` with ``op``:

    - ``queue``: a `callflow.views.QueueView` (waiting callers with join time, members, ready/talking).
    - ``seat``: a `SeatView` (state ready / not_ready with reason / ringing / talking / wrapup /
      logged_out, since when, calls handled and misses today).
    - ``call``: a `CallView` of a call in progress (IVR result, queue, seat, timers).
    - ``call_end``: ``{"linkedid", "outcome", "queue", "seat"}``; the call left the live state.
    - ``stats``: a `QueueStatsView.summary()` (offered, answered, abandoned, 接通率, service level,
      three-ring rate, average speed of answer, average handle time, longest wait).
    - ``transfer``: ``{"linkedid", "kind", "target", "seat", "unit_code"}``.
    - ``alert``: ``{"kind", "at", ...}`` with ``kind``:
      ``three_ring_miss`` (seat, queue, linkedid, ring_ms, misses, paused),
      ``queue_wait_limit`` (queue, linkedid, caller, wait_s),
      ``emergency`` (linkedid, caller, target, source "ivr"|"seat"|"events", seat / category; "events":
      a re-route the backend did not make, recognised from the citizen's Dial),
      ``emergency_failed`` (linkedid, caller, target, outcome busy|no_answer|failed, source, seat),
      ``watch_caller`` (linkedid, caller, queue).

``<prefix>events:desk:<ext>``
    One seat's desk:

    - ``ring``: the seat is rung: ``{"linkedid", "caller", "caller_name", "did", "queue", "ivr",
      "ticket_no", "ring_timeout_s"}`` (``ivr`` is a `core.contracts.IvrResult`).
    - ``ring_end``: ``{"linkedid", "reason"}``; reason ``missed`` (three rings passed, with
      ``ring_ms``), ``cancelled`` (the caller left) or ``answered_elsewhere``.
    - ``connect``: as ``ring`` plus ``answered_at`` and ``recording_path``: open the ticket form.
    - ``hangup``: ``{"linkedid", "reason", "talk_s"}`` (reason from AgentComplete: agent / caller /
      transfer; for a call the seat held, from the hang-up of either leg: agent / caller).
    - ``hold``: ``{"linkedid", "held", "since"}``; the citizen is on hold (保持中) or back (callflow.hold).
    - ``seat``: the seat's own `SeatView` after every change.

A subscriber that (re)connects reads `callflow.store.snapshot` first, then applies deltas.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio.client import Pipeline

WALLBOARD = "wallboard"


def channel(prefix: str, target: str) -> str:
    """`target` is "wallboard" or "desk:<ext>"."""
    return f"{prefix}events:{target}"


def wallboard_channel(prefix: str) -> str:
    return channel(prefix, WALLBOARD)


def desk_channel(prefix: str, ext: str) -> str:
    return channel(prefix, f"desk:{ext}")


def encode(op: str, data: dict[str, Any]) -> str:
    return json.dumps({"op": op, "data": data}, ensure_ascii=False, separators=(",", ":"), default=str)


def encode_json(op: str, data_json: str) -> str:
    """The same message around data already serialised (a view's model_dump_json)."""
    return f'{{"op":{json.dumps(op)},"data":{data_json}}}'


# One round trip for all of a flush's deltas: redis-py's per-command cost dominated otherwise.
_PUBLISH_MANY = """
for i = 1, #ARGV, 2 do
  redis.call('publish', ARGV[i], ARGV[i + 1])
end
return #ARGV / 2
"""


class Notifier:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self.published = 0
        self._pending: list[str] = []

    def add(self, target: str, op: str, data: dict[str, Any]) -> None:
        self._pending += (channel(self._prefix, target), encode(op, data))

    def add_json(self, target: str, op: str, data_json: str) -> None:
        self._pending += (channel(self._prefix, target), encode_json(op, data_json))

    def publish_into(self, pipe: Pipeline) -> None:
        """Queues the collected deltas, in order, on the writer's pipeline (with the state they describe)."""
        if self._pending:
            pipe.eval(_PUBLISH_MANY, 0, *self._pending)
            self.published += len(self._pending) // 2
            self._pending = []

    def discard(self) -> None:
        self._pending = []

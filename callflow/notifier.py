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
      ``emergency`` (linkedid, caller, target, source "ivr"|"seat", seat / category),
      ``watch_caller`` (linkedid, caller, queue).

``<prefix>events:desk:<ext>``
    One seat's desk:

    - ``ring``: the seat is rung: ``{"linkedid", "caller", "caller_name", "did", "queue", "ivr",
      "ticket_no", "ring_timeout_s"}`` (``ivr`` is a `tickets.contracts.IvrResult`).
    - ``ring_end``: ``{"linkedid", "reason"}``; reason ``missed`` (three rings passed, with
      ``ring_ms``), ``cancelled`` (the caller left) or ``answered_elsewhere``.
    - ``connect``: as ``ring`` plus ``answered_at`` and ``recording_path``: open the ticket form.
    - ``hangup``: ``{"linkedid", "reason", "talk_s"}`` (reason from AgentComplete: agent / caller /
      transfer).
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


class Notifier:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self.published = 0

    def publish_into(self, pipe: Pipeline, target: str, op: str, data: dict[str, Any]) -> None:
        """Queues one delta on the writer's pipeline, so deltas go out with the state they describe."""
        pipe.publish(channel(self._prefix, target), encode(op, data))
        self.published += 1

"""queue_log reconciliation (DESIGN.md "Resync, don't trust"): the figures counted from AMI must
agree with what app_queue wrote to queue_log (`time|callid|queue|member|event|data...`).

`from_queue_log` computes the same per-queue figures as `callflow.queues` does from events;
`reconcile` lists every disagreement (an empty list means the day's statistics are right).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from callflow.views import QueueStatsView, SeatStatsView


@dataclass
class QueueLogFigures:
    queue: str
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within_sl: int = 0
    wait_answered_total_s: int = 0
    talk_total_s: int = 0
    talk_count: int = 0
    longest_wait_s: int = 0
    rings_answered_in_time: int = 0
    rings_missed: int = 0
    misses_by_member: dict[str, int] = field(default_factory=dict)
    answered_by_member: dict[str, int] = field(default_factory=dict)


COMPARED = (
    "offered",
    "answered",
    "abandoned",
    "answered_within_sl",
    "wait_answered_total_s",
    "talk_total_s",
    "talk_count",
    "longest_wait_s",
    "rings_answered_in_time",
    "rings_missed",
)


def _int(parts: list[str], index: int) -> int:
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return 0


def member_ext(member: str) -> str:
    """queue_log names members by MemberName (log_membername_as_agent): 坐席1001 → 1001."""
    return member.removeprefix("坐席")


def from_queue_log(
    lines: Iterable[str], *, service_level_s: int = 15, ring_timeout_s: int = 15
) -> dict[str, QueueLogFigures]:
    figures: dict[str, QueueLogFigures] = {}
    for line in lines:
        parts = line.rstrip("\r\n").split("|")
        if len(parts) < 5:
            continue
        queue, member, event, data = parts[2], parts[3], parts[4], parts[5:]
        if queue in ("NONE", ""):
            continue
        f = figures.setdefault(queue, QueueLogFigures(queue))
        if event == "ENTERQUEUE":
            f.offered += 1
        elif event == "CONNECT":
            hold, ring = _int(data, 0), _int(data, 2)
            f.answered += 1
            f.wait_answered_total_s += hold
            f.longest_wait_s = max(f.longest_wait_s, hold)
            f.answered_within_sl += hold <= service_level_s
            f.rings_answered_in_time += ring <= ring_timeout_s
            ext = member_ext(member)
            f.answered_by_member[ext] = f.answered_by_member.get(ext, 0) + 1
        elif event == "ABANDON":
            f.abandoned += 1
            f.longest_wait_s = max(f.longest_wait_s, _int(data, 2))
        elif event in ("COMPLETEAGENT", "COMPLETECALLER"):
            f.talk_total_s += _int(data, 1)
            f.talk_count += 1
        elif event == "TRANSFER":
            f.talk_total_s += _int(data, 3)
            f.talk_count += 1
        elif event == "RINGNOANSWER":
            f.rings_missed += 1
            ext = member_ext(member)
            f.misses_by_member[ext] = f.misses_by_member.get(ext, 0) + 1
    return figures


def reconcile(
    ami: Iterable[QueueStatsView],
    queue_log: dict[str, QueueLogFigures],
    seats: Iterable[SeatStatsView] = (),
) -> list[str]:
    """Every figure where AMI and queue_log disagree, as readable lines."""
    problems: list[str] = []
    by_queue = {s.queue: s for s in ami}
    for queue in sorted(set(by_queue) | set(queue_log)):
        mine = by_queue.get(queue) or QueueStatsView(queue=queue, day="")
        theirs = queue_log.get(queue) or QueueLogFigures(queue)
        for name in COMPARED:
            a, b = getattr(mine, name), getattr(theirs, name)
            if a != b:
                problems.append(f"{queue}.{name}: AMI {a} != queue_log {b}")
    seat_list = list(seats)
    if seat_list:
        misses: dict[str, int] = {}
        answered: dict[str, int] = {}
        for f in queue_log.values():
            for ext, n in f.misses_by_member.items():
                misses[ext] = misses.get(ext, 0) + n
            for ext, n in f.answered_by_member.items():
                answered[ext] = answered.get(ext, 0) + n
        by_seat = {s.seat: s for s in seat_list}
        for ext in sorted(set(by_seat) | set(misses) | set(answered)):
            s = by_seat.get(ext) or SeatStatsView(seat=ext, day="")
            if s.rings_missed != misses.get(ext, 0):
                problems.append(
                    f"seat {ext}.rings_missed: AMI {s.rings_missed} != queue_log {misses.get(ext, 0)}"
                )
            if s.answered != answered.get(ext, 0):
                problems.append(f"seat {ext}.answered: AMI {s.answered} != queue_log {answered.get(ext, 0)}")
    return problems

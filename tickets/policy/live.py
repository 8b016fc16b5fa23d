"""The unit topic's delta (`unit:<code>`): what one unit is told live about one ticket.

A policy view like the REST ones, built only by `tickets.policy.others.unit_deltas`: identifiers,
state and clocks, never identity nor text (DOMAIN.md §9); the portal reads the ticket itself through
the REST API, at its own level.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

DELTA_OP = "ticket"


@dataclass(frozen=True)
class UnitDelta:
    unit_code: str
    ticket_no: str
    action: str  # the TicketEvent action this change recorded (tickets.lifecycle names)
    status: str
    status_label: str
    assigned: bool  # False: the ticket left this unit (re-dispatched, return approved, ...)
    role: str | None  # lead | assist, while assigned
    urgency: str
    response_due: datetime | None
    complete_due: datetime | None
    overdue: bool
    supervision_level: int
    priority: int

    def data(self) -> dict[str, object]:
        out = asdict(self)
        for key in ("response_due", "complete_due"):
            value = out[key]
            out[key] = value.isoformat() if isinstance(value, datetime) else None
        return out

    def message(self) -> str:
        return json.dumps({"op": DELTA_OP, "data": self.data()}, ensure_ascii=False, separators=(",", ":"))

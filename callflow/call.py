"""The live model of one citizen call, and the shapes derived from it.

The fields are declared once: `core.contracts.CallFacts` (what the view and the hand-off record
share) ⊂ `callflow.views.CallView` (what Redis and the desks see) ⊂ `Call` (what only the AMI
consumer needs on top). The view and the record are projections of a `Call` by field name, and a
restored call is the view with the consumer's own fields derived again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from callflow.views import CallStateName, CallView
from core.contracts import CallRecord, IvrResult
from tickets.vocab import NOT_ACCEPTED_REASONS

M = TypeVar("M", bound=BaseModel)

IVR_FIELDS = frozenset(IvrResult.model_fields)
IVR_ACTIONS = frozenset({"queue", "emergency", "watch", "survey", "fallback"})
_INTEGER = re.compile(r"-?[0-9]{1,6}")
# Markers an IVR older than HOTLINE_EMERGENCY_SERVICE / HOTLINE_NOT_ACCEPTED_REASON put in
# HOTLINE_CATEGORY (a rolling upgrade may still run one); read here and nowhere else.
_LEGACY_EMERGENCY = "emergency_"
_LEGACY_NOT_ACCEPTED = "not_accepted_"


@dataclass
class PendingReferral:
    target: str
    reason: str
    seat: str | None
    at: datetime
    outcome: str = "pending"
    published: bool = False
    source: str = "seat"  # "ivr": the IVR's own re-route, settled by the dialplan's Dial


class Call(CallView):
    """A citizen call in progress (key: the linkedid of its first channel)."""

    state: CallStateName = "ivr"
    uniqueid: str
    # The raw HOTLINE_* values by IvrResult field; `ivr` is their parse (see `set_ivr`).
    ivr_vars: dict[str, str] = Field(default_factory=dict)
    abandoned: bool = False
    reached_queue: bool = False
    hangup_cause: str | None = None
    referrals: list[PendingReferral] = Field(default_factory=list)
    alerted: set[str] = Field(default_factory=set)
    # The current seat leg was held: app_queue is done with it and the seat leaves by hanging up.
    held_leg: bool = False
    queue_done: bool = False  # AgentComplete of the current seat leg counted

    @property
    def held(self) -> bool:
        return bool(self.holds) and self.holds[-1].end is None

    def set_ivr(self, name: str, value: str) -> None:
        self.ivr_vars[name] = value
        self.ivr = ivr_result(self.ivr_vars)


def ivr_result(variables: dict[str, str]) -> IvrResult:
    """The IVR's channel variables (by IvrResult field) as a result; a channel variable is any text."""
    data: dict[str, Any] = {k: v for k, v in variables.items() if k in IVR_FIELDS and v != ""}
    if data.get("action") not in IVR_ACTIONS:
        data.pop("action", None)
    # Only a whole number is a queue priority.
    priority = data.pop("priority", None)
    if priority is not None and _INTEGER.fullmatch(priority):
        data["priority"] = int(priority)
    category = data.get("category", "")
    reason = category.removeprefix(_LEGACY_NOT_ACCEPTED)
    if "not_accepted_reason" not in data and reason != category and reason in NOT_ACCEPTED_REASONS:
        # DOMAIN.md §3: the refusal is the desk's hint; an unknown code is not invented into one.
        data["not_accepted_reason"] = reason
    service = category.removeprefix(_LEGACY_EMERGENCY)
    emergency = data.get("action") == "emergency"
    if "emergency_service" not in data and emergency and service not in ("", category):
        data["emergency_service"] = service
    return IvrResult.model_validate(data)


def project(model: type[M], source: BaseModel, **given: Any) -> M:
    """A `model` of the fields `source` has under the same names, `given` ones replaced."""
    data = {name: getattr(source, name) for name in _shared(model, type(source)) if name not in given}
    return model.model_validate({**data, **given})


@cache
def _shared(model: type[BaseModel], source: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name in model.model_fields if name in source.model_fields)


def view_of(call: Call) -> CallView:
    return project(CallView, call)


def record_of(call: Call, *, ended_at: datetime, **given: Any) -> CallRecord:
    """The hand-off record of a finished call: its `CallFacts`, then the record's own fields."""
    return project(CallRecord, call, ended_at=ended_at, hangup_cause=call.hangup_cause, **given)


def restored(view: CallView) -> Call:
    """A call in progress taken back from its view (the AMI role restarted).

    Only inbound calls are ever tracked, and their first channel's uniqueid is the linkedid. The
    ringing seats are left to the next resync, which keeps the call if its channel is still up.
    """
    variables = {k: str(v) for k, v in view.ivr.model_dump(exclude_none=True).items()}
    return project(
        Call,
        view,
        uniqueid=view.linkedid,
        ivr_vars=variables,
        ivr=ivr_result(variables),
        ringing_seats=set(),
        reached_queue=view.queue_joined_at is not None,
        # A held leg's queue part is over; the old process may have counted its AgentComplete.
        held_leg=view.seat_channel is not None
        and any(view.answered_at is not None and h.start >= view.answered_at for h in view.holds),
        queue_done=bool(view.holds),
    )

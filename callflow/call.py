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

from pydantic import BaseModel, Field, TypeAdapter

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
        """One HOTLINE_* variable changed (VarSet, the hot path): only the result fields that this
        variable decides are parsed again, the same as `ivr_result` of all the variables."""
        self.ivr_vars[name] = value
        if name in IVR_FIELDS:
            # Written in place, unvalidated: `_ivr_values` gives each field a value of its type, and
            # nothing keeps the result past the moment it is serialised or copied (records copy it).
            names = _IVR_LINKED if name in _IVR_LINKED else (name,)
            for field, parsed in _ivr_values(self.ivr_vars, names).items():
                setattr(self.ivr, field, parsed)


# The fields parsed together: the action decides whether a legacy marker in the category is a
# service, and a typed variable wins over the marker (see `_ivr_values`).
_IVR_LINKED = ("action", "category", "emergency_service", "not_accepted_reason")
_IVR_DEFAULTS: dict[str, Any] = {name: f.default for name, f in IvrResult.model_fields.items()}


def _ivr_values(variables: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """The IvrResult values of `names` from the raw variables (a channel variable is any text); a
    field without a usable variable gets its default."""
    out: dict[str, Any] = {}
    for name in names:
        raw = variables.get(name, "")
        value: Any = raw if raw != "" else _IVR_DEFAULTS[name]
        if name == "action" and value not in IVR_ACTIONS:
            value = _IVR_DEFAULTS[name]
        elif name == "priority":
            # Only a whole number is a queue priority.
            value = int(raw) if _INTEGER.fullmatch(raw) else None
        elif name in ("not_accepted_reason", "emergency_service") and value is None:
            value = _legacy_marker(variables, name)
        out[name] = value
    return out


def _legacy_marker(variables: dict[str, str], name: str) -> str | None:
    category = variables.get("category", "")
    if name == "not_accepted_reason":
        reason = category.removeprefix(_LEGACY_NOT_ACCEPTED)
        # DOMAIN.md §3: the refusal is the desk's hint; an unknown code is not invented into one.
        return reason if reason != category and reason in NOT_ACCEPTED_REASONS else None
    service = category.removeprefix(_LEGACY_EMERGENCY)
    emergency = variables.get("action") == "emergency"
    return service if emergency and service not in ("", category) else None


def ivr_result(variables: dict[str, str]) -> IvrResult:
    """The IVR's channel variables (by IvrResult field) as a result."""
    return IvrResult.model_validate(_ivr_values(variables, tuple(IvrResult.model_fields)))


def project(model: type[M], source: BaseModel, **given: Any) -> M:
    """A `model` of the fields `source` has under the same names, `given` ones replaced."""
    data = {name: getattr(source, name) for name in _shared(model, type(source)) if name not in given}
    return model.model_validate({**data, **given})


@cache
def _shared(model: type[BaseModel], source: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name in model.model_fields if name in source.model_fields)


def view_of(call: Call) -> CallView:
    return project(CallView, call)


# CallView's own serializer: given a `Call` (a subclass) it writes only the view's fields, as
# pydantic 2 serialises any subclass instance as the declared type (no duck typing).
_VIEW = TypeAdapter(CallView)


def view_json(call: Call) -> str:
    """`view_of(call)` as JSON without building the view: the store writes one for every change
    of a call, and copying the fields (validated or not) cost as much as the serialisation."""
    return _VIEW.dump_json(call).decode()


def record_of(call: Call, *, ended_at: datetime, **given: Any) -> CallRecord:
    """The hand-off record of a finished call: its `CallFacts`, then the record's own fields.
    The IVR result is copied: `Call.set_ivr` writes the call's own in place."""
    own = {"ended_at": ended_at, "hangup_cause": call.hangup_cause, "ivr": call.ivr.model_copy()}
    return project(CallRecord, call, **own, **given)


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

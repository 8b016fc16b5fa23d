"""What the live topics may carry (DOMAIN.md §9: never reveal the caller to anyone who does not need
it), with the ticket policy's rules (`tickets.policy`) rather than a second set of them.

- `wallboard`: the snapshot and every delta with the callers' numbers, names, spoken words and keyed
  digits masked at the policy's `masked` level, for every role (issue 11: a wallboard hangs in the
  room, and anyone there reads it). Masked by field name, wherever it sits in a payload (a seat's,
  a call's, a waiting caller's, a ring miss's, an alert's): a field added to a view later is masked
  as long as it keeps the name. Free text is masked by content (`tickets.privacy_text`) knowing the
  caller's own number and name from the enclosing view, so 赵先生 or the number read out with
  dashes is found as well.
- `unit:<code>`: only the policy's unit delta (`tickets.policy.live.UnitDelta`), field by field:
  whatever else a publisher put in the payload is dropped before it reaches a unit.
- A seat's own desk topic is not masked: the seat needs the number of its own call (and only
  supervisors may watch another seat's desk: `agent_desk.ws.access`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tickets.policy import Level, shown
from tickets.policy.live import DELTA_OP, UnitDelta
from tickets.privacy_text import mask_text_detailed

# The level of every wall screen, whoever looks at it.
WALLBOARD_LEVEL = Level.MASKED
UNIT_DELTA_FIELDS = tuple(f.name for f in dataclasses.fields(UnitDelta))


@dataclass(frozen=True)
class _Caller:
    """The citizen a payload is about, as far as the enclosing views tell (for text masking)."""

    phone: str | None = None
    name: str | None = None


def _text(value: str, caller: _Caller, level: Level) -> str:
    return _masked_text(value, caller.name, caller.phone, level)


# A call's transcript rides on every delta of that call (each state change) and is masked once per
# delta before the fan-out, on the event loop: the jieba pass is remembered, not repeated.
@functools.lru_cache(maxsize=1024)
def _masked_text(value: str, name: str | None, phone: str | None, level: Level) -> str:
    return mask_text_detailed(
        value,
        citizen_name=name,
        citizen_phone=phone,
        level="hidden" if level == Level.HIDDEN else "masked",
    ).text


# The citizen's fields of callflow's views and alerts (core.contracts.CallFacts / IvrResult,
# callflow.views, the notifier's alert payloads).
_FIELDS: dict[str, Callable[[str, _Caller, Level], str | None]] = {
    "caller": lambda v, _c, level: shown.phone(level, v),  # 13812345678 → 138****5678
    "caller_name": lambda v, _c, level: shown.name(level, v),
    "transcript": _text,  # what the caller told the IVR: names, numbers, an address
    "dtmf": _text,  # digits the caller keyed in: a call-back number, an ID number
}


def _known(data: dict[str, Any], outer: _Caller) -> _Caller:
    phone, name = data.get("caller"), data.get("caller_name")
    return _Caller(
        phone if isinstance(phone, str) and phone else outer.phone,
        name if isinstance(name, str) and name else outer.name,
    )


def _mask(data: Any, caller: _Caller, level: Level) -> Any:
    if isinstance(data, dict):
        here = _known(data, caller)
        out: dict[str, Any] = {}
        for key, value in data.items():
            rule = _FIELDS.get(key)
            out[key] = (
                rule(value, here, level)
                if rule is not None and isinstance(value, str)
                else _mask(value, here, level)
            )
        return out
    if isinstance(data, list):
        return [_mask(item, caller, level) for item in data]
    return data


def masked(data: Any, level: Level = WALLBOARD_LEVEL) -> Any:
    """A copy of a JSON-shaped payload with the citizen's fields at `level`; the input is unchanged."""
    if level == Level.FULL:
        return data
    return _mask(data, _Caller(), level)


def unit_view(op: str, data: Any) -> Any:
    """A unit topic's payload as the policy built it: the unit delta's own fields, nothing else.

    Any other op carries no data to a unit (the portal reads tickets through the REST API)."""
    if op != DELTA_OP or not isinstance(data, dict):
        return None
    return {name: data[name] for name in UNIT_DELTA_FIELDS if name in data}

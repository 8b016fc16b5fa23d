"""What a wall screen may show (DOMAIN.md §9: never reveal the caller's number to anyone who does not
need it): the wallboard topic's snapshot and every delta after it with the callers' numbers, names
and spoken words masked, for every role. A wallboard hangs in the room, and anyone there reads it.

Masked by field name, wherever it sits in a payload (a seat's, a call's, a waiting caller's, an
alert's, a ring miss's): a field added to a view later is masked as long as it keeps the name.
A seat's own desk topic is not masked here: the seat needs the number of its own call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tickets.privacy import mask_name, mask_phone, mask_text

# The fields of callflow's views and alerts that are the citizen's (core.contracts.CallFacts,
# callflow.views, the notifier's alert payloads).
_MASKS: dict[str, Callable[[str], str | None]] = {
    "caller": mask_phone,  # 13812345678 → 138****5678
    "caller_name": mask_name,
    "transcript": mask_text,  # what the caller told the IVR may hold a number too
}


def masked(data: Any) -> Any:
    """A copy of a JSON-shaped payload with the citizen's fields masked; the input is not changed."""
    if isinstance(data, dict):
        return {
            key: (_MASKS[key](value) if key in _MASKS and isinstance(value, str) else masked(value))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [masked(item) for item in data]
    return data

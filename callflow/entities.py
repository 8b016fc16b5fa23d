"""The seats, queues and channels the live state tracks (the calls are `callflow.call`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from callflow.views import SeatStateName


def endpoint_of(channel: str) -> str | None:
    """`PJSIP/1001-00000001` → `1001`; None for non-PJSIP channels (Local, CBAnn...)."""
    if not channel.startswith("PJSIP/"):
        return None
    rest = channel[6:]
    dash = rest.rfind("-")
    return rest[:dash] if dash > 0 else rest


def seat_of_interface(interface: str) -> str | None:
    """`PJSIP/1001` → `1001`."""
    if interface.startswith("PJSIP/"):
        ext = interface[6:]
        return ext or None
    return None


@dataclass
class Membership:
    paused: bool = False
    reason: str = ""


@dataclass
class Seat:
    ext: str
    name: str
    since: datetime
    memberships: dict[str, Membership] = field(default_factory=dict)
    ringing: str | None = None  # linkedid
    talking: str | None = None  # linkedid
    talking_channel: str | None = None
    wrapup_s: int = 0
    wrapup_until: datetime | None = None
    consecutive_misses: int = 0
    state: SeatStateName = "logged_out"
    caller: str | None = None


@dataclass
class Waiting:
    linkedid: str
    caller: str
    joined_at: datetime
    position: int = 0


@dataclass
class LiveQueue:
    name: str
    title: str
    waiting: dict[str, Waiting] = field(default_factory=dict)
    wait_alerted: set[str] = field(default_factory=set)


@dataclass
class Channel:
    uniqueid: str
    linkedid: str
    name: str
    call: str | None = None  # linkedid of the citizen call this leg belongs to
    dialed: str | None = None  # number dialled on an originated trunk leg

"""Who may watch which topic and send which command (DOMAIN.md §9: access by role and unit).

Checked on every client message, not only at connect: a subscription or a command is refused
when the token no longer maps to a principal that may have it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel

from callflow.commands import (
    COMMAND_TYPES,
    COMMANDS_BY_NAME,
    AttachTicket,
    EmergencyTransfer,
    HangupChannel,
    Hold,
    MissedCallback,
    Resume,
    SeatLogin,
    SeatLogout,
    SetNotReady,
    SetReady,
    Spy,
    SurveyCallback,
    ThreeWay,
    Wrapup,
)

# Who watches the centre's wallboard (masked numbers: agent_desk.ws.masking) and the units' topics.
SUPERVISING_ROLES = frozenset({"supervisor", "admin"})
# Who acts on others' live calls (listen, whisper, barge, hang up) and sees any seat's desk with its
# caller's number: supervisors only. Admins manage accounts; they change nothing on live calls.
LIVE_SUPERVISOR = "supervisor"

WALLBOARD = "wallboard"
SEAT_PREFIX = "seat:"
UNIT_PREFIX = "unit:"

# Every kind of topic, by its name or name prefix, with what the rest of the name is (None: the name
# is the whole topic). The privacy matrix (tests/integration/privacy) subscribes to each kind as
# every role, so a kind added here is checked for personal data without anyone listing it there.
TOPIC_KINDS: Mapping[str, str | None] = {
    WALLBOARD: None,
    SEAT_PREFIX: "extension",
    UNIT_PREFIX: "unit_code",
}


@dataclass(frozen=True)
class Principal:
    """The authenticated user behind a connection, as far as the websocket layer needs to know."""

    username: str
    role: str  # tickets.vocab.Role value: seat | supervisor | unit_handler | admin | auditor
    display_name: str = ""
    extension: str | None = None  # a seat's softphone extension, e.g. "1001"
    unit_codes: frozenset[str] = field(default_factory=frozenset)

    def public(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "display_name": self.display_name or self.username,
            "extension": self.extension,
            "units": sorted(self.unit_codes),
        }


class AuthError(Exception):
    """The token does not identify a user (unknown, revoked, expired)."""


class MalformedAuth(AuthError):
    """What was sent as a token is not one (non-ASCII, not a JWT): the same as sending none."""


Authenticator = Callable[[str], Awaitable[Principal]]


def seat_topic(extension: str) -> str:
    return SEAT_PREFIX + extension


def unit_topic(unit_code: str) -> str:
    return UNIT_PREFIX + unit_code


def may_subscribe(who: Principal, topic: str) -> bool:
    if topic.startswith(SEAT_PREFIX) and who.role == LIVE_SUPERVISOR:
        return True
    if who.role in SUPERVISING_ROLES:
        return topic == WALLBOARD or topic.startswith(UNIT_PREFIX)
    if topic.startswith(SEAT_PREFIX):
        # A seat sees its own line only: another seat's screen pop shows a citizen's number.
        return who.role == "seat" and who.extension is not None and topic == seat_topic(who.extension)
    if topic.startswith(UNIT_PREFIX):
        # DOMAIN.md §9: a unit sees its own tickets only, so its handlers follow its topic alone.
        code = topic[len(UNIT_PREFIX) :]
        return who.role == "unit_handler" and bool(code) and code in who.unit_codes
    # Auditors have no live topic: their pages read the REST API.
    return False


class Sender(Enum):
    """Who may send a command of callflow.commands over the desk's websocket."""

    # A seat about its own line (the argument "seat" must be its own extension), and supervisors
    # about any line (hanging up another seat's call included). Never admins.
    OWN_LINE = "own_line"
    # Listening to, whispering into or barging into a seat's call is a supervisor's job alone.
    SUPERVISOR = "supervisor"


# One row per command type of the registry (callflow.commands.COMMAND_TYPES), checked below.
COMMAND_SENDERS: Mapping[type[BaseModel], Sender] = {
    SeatLogin: Sender.OWN_LINE,
    SeatLogout: Sender.OWN_LINE,
    SetReady: Sender.OWN_LINE,
    SetNotReady: Sender.OWN_LINE,
    Wrapup: Sender.OWN_LINE,
    AttachTicket: Sender.OWN_LINE,
    ThreeWay: Sender.OWN_LINE,
    EmergencyTransfer: Sender.OWN_LINE,
    Hold: Sender.OWN_LINE,
    Resume: Sender.OWN_LINE,
    HangupChannel: Sender.OWN_LINE,
    SurveyCallback: Sender.OWN_LINE,
    MissedCallback: Sender.OWN_LINE,
    Spy: Sender.SUPERVISOR,
}
_unlisted = set(COMMAND_TYPES) ^ set(COMMAND_SENDERS)
if _unlisted:
    # A new command nobody may send (or a stale row) must not slip through: fail at import.
    names = sorted(c.__name__ for c in _unlisted)
    raise RuntimeError(f"COMMAND_SENDERS and callflow.commands disagree on {names}")


def command_sender(name: str) -> Sender | None:
    """Who may send the command called `name` on the wire; None for a name the registry lacks."""
    cls = COMMANDS_BY_NAME.get(name)
    return None if cls is None else COMMAND_SENDERS[cls]


def may_command(who: Principal, name: str, args: dict[str, Any]) -> bool:
    sender = command_sender(name)
    if sender is None:
        return False
    if who.role == LIVE_SUPERVISOR:
        return True
    if sender is Sender.SUPERVISOR:
        return False
    return who.role == "seat" and who.extension is not None and str(args.get("seat", "")) == who.extension

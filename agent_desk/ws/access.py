"""Who may watch which topic and send which command (DOMAIN.md §9: access by role and unit).

Checked on every client message, not only at connect: a subscription or a command is refused
when the token no longer maps to a principal that may have it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

SUPERVISING_ROLES = frozenset({"supervisor", "admin"})

WALLBOARD = "wallboard"
SEAT_PREFIX = "seat:"
UNIT_PREFIX = "unit:"


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


Authenticator = Callable[[str], Awaitable[Principal]]


def seat_topic(extension: str) -> str:
    return SEAT_PREFIX + extension


def unit_topic(unit_code: str) -> str:
    return UNIT_PREFIX + unit_code


def may_subscribe(who: Principal, topic: str) -> bool:
    if who.role in SUPERVISING_ROLES:
        return topic == WALLBOARD or topic.startswith(SEAT_PREFIX) or topic.startswith(UNIT_PREFIX)
    if topic.startswith(SEAT_PREFIX):
        # A seat sees its own line only: another seat's screen pop shows a citizen's number.
        return who.role == "seat" and who.extension is not None and topic == seat_topic(who.extension)
    if topic.startswith(UNIT_PREFIX):
        # DOMAIN.md §9: a unit sees its own tickets only, so its handlers follow its topic alone.
        code = topic[len(UNIT_PREFIX) :]
        return who.role == "unit_handler" and bool(code) and code in who.unit_codes
    # Auditors have no live topic: their pages read the REST API.
    return False


# Commands a seat sends about its own line; the argument "seat" must be its own extension.
# Names are those of callflow.commands (the desk's buttons map one to one).
SEAT_COMMANDS = frozenset(
    {
        "seat_login",
        "seat_logout",
        "ready",
        "not_ready",
        "wrapup",
        "attach_ticket",
        "threeway",
        "emergency",
        "hold",
        "resume",
        "hangup",
        "survey_callback",
        "missed_callback",
    }
)
# Listening to, whispering into or barging into a seat's call is a supervisor's job alone.
SUPERVISOR_COMMANDS = frozenset({"spy"})


def may_command(who: Principal, name: str, args: dict[str, Any]) -> bool:
    if name in SUPERVISOR_COMMANDS:
        return who.role in SUPERVISING_ROLES
    if name not in SEAT_COMMANDS:
        return False
    if who.role in SUPERVISING_ROLES:
        return True
    return who.role == "seat" and who.extension is not None and str(args.get("seat", "")) == who.extension

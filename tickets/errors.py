"""Typed errors of the engine; the API maps them to HTTP 404/403/409/422 with the reason."""

from __future__ import annotations


class TicketError(Exception):
    """Base: `reason` is user-facing (Chinese), `code` is stable for programs."""

    code = "error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(TicketError):
    code = "not_found"


class Forbidden(TicketError):
    """The caller's role or unit may not do this (HTTP 403)."""

    code = "forbidden"


class TransitionRefused(TicketError):
    """The life cycle does not allow this now (HTTP 409)."""

    code = "transition_refused"


class UnlistedTransition(RuntimeError):
    """Code tried to set a status the transition table does not allow: a bug, so HTTP 500."""


class InvalidInput(TicketError):
    code = "invalid_input"


class Conflict(TicketError):
    """Another record already holds this (a username, an extension): HTTP 409."""

    code = "conflict"


class CalendarUnknown(TicketError):
    """A date outside every known holiday calendar: refused rather than guessed (DESIGN.md "Time")."""

    code = "calendar_unknown"

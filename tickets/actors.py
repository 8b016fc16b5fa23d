"""Who is acting: a logged-in user, or the system (ticket writer, scheduler)."""

from __future__ import annotations

from dataclasses import dataclass

from tickets.vocab import Role


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role
    unit_code: str | None = None
    extension: str | None = None

    @property
    def is_centre(self) -> bool:
        return self.role in (Role.SEAT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.SYSTEM)


SYSTEM = Actor(username="system", role=Role.SYSTEM)
IVR_SURVEY = Actor(username="ivr-survey", role=Role.SYSTEM)

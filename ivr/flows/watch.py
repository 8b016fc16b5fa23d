"""DOMAIN.md §10 (003 §26, 000 §45): a watch-listed number is warned and routed to the
watch queue, never silently blocked."""

from __future__ import annotations

from core.contracts import CallerProfile
from ivr.agi import AgiSession
from ivr.flows.common import IvrDeps, play


def is_watched(profile: CallerProfile | None) -> bool:
    return profile is not None and profile.watch_listed


async def warn(session: AgiSession, deps: IvrDeps) -> None:
    await play(session, deps, "watch-warning")

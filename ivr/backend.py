"""The IVR's only reads of the work-order engine, behind small typed callables.

DESIGN.md: the call path never waits on the backend. Every lookup is bounded by a short
timeout; a slow or dead database means "no history", never a delayed or failed call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from core.contracts import CallerProfile
from tickets.db import Database

log = logging.getLogger(__name__)

CallerLookup = Callable[[str], Awaitable[CallerProfile | None]]
Clock = Callable[[], datetime]

LOOKUP_TIMEOUT_S = 0.8


def utcnow() -> datetime:
    return datetime.now(UTC)


def database_caller_lookup(
    db: Database, timeout_s: float = LOOKUP_TIMEOUT_S, clock: Clock = utcnow
) -> CallerLookup:
    """`tickets.callers.caller_profile` on the database pool, bounded by `timeout_s`."""
    from tickets.callers import caller_profile

    async def lookup(phone: str) -> CallerProfile | None:
        if not phone:
            return None
        now = clock()
        try:
            return await asyncio.wait_for(db.run(lambda s: caller_profile(s, phone, now)), timeout_s)
        except TimeoutError:
            log.warning("ivr: caller history for a call not ready within %.1f s; going on without", timeout_s)
        except Exception as exc:
            # Any database failure (down, locked, schema not migrated) degrades to "no history".
            log.warning("ivr: caller history unavailable (%s); going on without", type(exc).__name__)
        return None

    return lookup


def bounded(lookup: CallerLookup, timeout_s: float = LOOKUP_TIMEOUT_S) -> CallerLookup:
    """Wraps any lookup with the same never-wait, never-fail contract."""

    async def guarded(phone: str) -> CallerProfile | None:
        try:
            return await asyncio.wait_for(lookup(phone), timeout_s)
        except TimeoutError:
            log.warning("ivr: caller lookup timed out after %.1f s", timeout_s)
        except Exception as exc:
            log.warning("ivr: caller lookup failed (%s)", type(exc).__name__)
        return None

    return guarded

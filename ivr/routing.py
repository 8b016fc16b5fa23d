"""Where an incoming call goes: a pure function of what the IVR learnt.

Order of precedence, most serious first:
1. an emergency in the transcript leaves the hotline (DOMAIN.md §3);
2. a watch-listed number hears a warning and reaches the watch queue (DOMAIN.md §10);
3. a utility outage goes to the priority queue as urgent (003 §10);
4. the caller's DTMF choice (menu, off by default);
5. a caller with an open ticket goes to the queue of its lead unit's seat group
   (`settings.unit_queues`), so the seats who know that unit's matters take the follow-up;
6. else the dialled number's skill queue (DOMAIN.md §1: merged department hotlines keep their
   numbers), else the default queue.
Caller history adds the open ticket as a hint for the seat (repeat callers reach the desk
with their ticket on screen). Categories and units are the ticket engine's codes
(`ivr.classify.CATEGORIES` / `UTILITY_CATEGORIES`); the emergency's service and a matter the
hotline does not accept (DOMAIN.md §3) have their own fields, never a category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.contracts import CallerProfile, OpenTicketRef
from core.dialplan import PRIORITY_NORMAL, PRIORITY_URGENT
from core.settings import MenuOption, Settings
from ivr.classify import Classification, utility_category
from ivr.emergency import Detection

Action = Literal["queue", "emergency", "watch"]
# HOTLINE_PRIORITY is the dialplan's QUEUE_PRIO: PRIORITY_URGENT for 003 §10 outages and
# emergencies, answered before ordinary calls.
__all__ = [
    "PRIORITY_NORMAL",
    "PRIORITY_URGENT",
    "RouteDecision",
    "decide",
    "did_queue",
    "menu_option",
    "unit_queue",
]


@dataclass(frozen=True, slots=True)
class RouteDecision:
    action: Action
    queue: str
    priority: int = PRIORITY_NORMAL
    target: str | None = None
    emergency_service: str | None = None  # fire / police / medical / traffic, with action emergency
    category: str | None = None  # a category code of the tree
    not_accepted_reason: str | None = None  # DOMAIN.md §3 code (tickets.vocab.NOT_ACCEPTED_REASONS)
    ticket_hint: str | None = None
    ticket_type: str | None = None
    suggested_unit: str | None = None
    prompt: str | None = None  # played after the variables are set


def did_queue(settings: Settings, did: str) -> str:
    return settings.dids.get(did, settings.default_queue)


def menu_option(settings: Settings, digit: str | None) -> MenuOption | None:
    """The menu key the caller pressed (settings.ivr_menu); None for no key or a key not offered."""
    if not digit:
        return None
    for option in settings.ivr_menu:
        if option.digit == digit:
            return option
    return None


def unit_queue(settings: Settings, profile: CallerProfile | None) -> tuple[OpenTicketRef, str] | None:
    """The most recent open ticket whose lead unit has a seat group, and that queue."""
    if profile is None:
        return None
    for ticket in profile.open_tickets:
        queue = settings.unit_queues.get(ticket.lead_unit_code or "")
        if queue is not None:
            return ticket, queue
    return None


def decide(
    settings: Settings,
    *,
    did: str,
    profile: CallerProfile | None = None,
    detection: Detection | None = None,
    classification: Classification | None = None,
    digit: str | None = None,
) -> RouteDecision:
    chosen = menu_option(settings, digit)
    # Settings checks that every menu queue is defined whenever the menu is on.
    queue = chosen.queue if chosen is not None else did_queue(settings, did)
    hint: str | None = None
    category = classification.category if classification else None
    kind = str(classification.ticket_type) if classification and classification.ticket_type else None
    unit = classification.suggested_unit if classification else None
    refused = classification.not_accepted if classification is not None else None
    if refused:
        # DOMAIN.md §3: still answered by a seat, who explains the refusal and records it; the
        # matter is no category of the tree and no unit handles it.
        category = unit = None
    history = unit_queue(settings, profile)
    if profile is not None and profile.open_tickets:
        latest = history[0] if history is not None else profile.open_tickets[0]
        hint = latest.ticket_no
        if category is None and not refused:
            # Nothing new was said: the follow-up is about the open ticket, with its lead unit.
            category, unit = latest.category, unit or latest.lead_unit_code

    if detection is not None and detection.kind == "emergency" and detection.service is not None:
        return RouteDecision(
            action="emergency",
            queue=queue,
            priority=PRIORITY_URGENT,
            target=detection.target,
            emergency_service=detection.service,
            ticket_hint=hint,
            prompt=f"emergency-{detection.service}",
        )
    urgent = (detection is not None and detection.kind == "utility") or (chosen is not None and chosen.urgent)
    if urgent:
        # 003 §10: the outage names the category and the utility; a bare menu choice names neither.
        heard = detection.heard if detection is not None and detection.kind == "utility" else ""
        outage = utility_category(heard)
        if outage is not None:
            # The outage is the matter now (003 §10), whatever else was said.
            category, unit, refused = (*outage, None)
    if profile is not None and profile.watch_listed:
        return RouteDecision(
            action="watch",
            queue=settings.watch_queue,
            priority=PRIORITY_URGENT if urgent else PRIORITY_NORMAL,
            category=category,
            not_accepted_reason=refused,
            ticket_hint=hint,
            ticket_type=kind,
            suggested_unit=unit,
            prompt="watch-warning",
        )
    if urgent:
        return RouteDecision(
            action="queue",
            # The caller's urgent key names its queue; an outage heard in speech goes to priority.
            queue=chosen.queue if chosen is not None and chosen.urgent else settings.priority_queue,
            priority=PRIORITY_URGENT,
            category=category,
            not_accepted_reason=refused,
            ticket_hint=hint,
            ticket_type=kind or "求助",
            suggested_unit=unit,
            prompt="utility",
        )
    if history is not None and chosen is None:
        queue = history[1]
    return RouteDecision(
        action="queue",
        queue=queue,
        category=category,
        not_accepted_reason=refused,
        ticket_hint=hint,
        ticket_type=kind,
        suggested_unit=unit,
    )

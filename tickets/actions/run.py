"""The one skeleton of every life-cycle action: load, check, change, move, record.

`run_action` loads the ticket (row-locked on PostgreSQL), checks visibility (out of scope: 404),
the role and state (`lifecycle.check`) and the unit rule BEFORE the action's body runs, so a
refused action changes nothing. The body changes the ticket's own fields and says what happened
(`Outcome`); the skeleton then sets the status the transition table names
(`lifecycle.next_status`) and appends the action's event. The caller's transaction
(`Database.run` / `Database.session`) commits or rolls back the lot; the REST layer publishes the
unit deltas after that commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from tickets.actors import Actor
from tickets.context import Ctx
from tickets.errors import Forbidden
from tickets.history import add_event
from tickets.lifecycle import Action, check, next_status
from tickets.models import Ticket
from tickets.queries import load_visible
from tickets.vocab import Status


@dataclass(frozen=True)
class Outcome:
    """What an action's body did, for the skeleton to record."""

    note: str = ""
    data: dict[str, Any] | None = None
    # The unit the event is about (a centre decision on a unit's request); default: the actor's.
    unit_code: str | None = None
    # The event's name when it is not the action's own (extension_approved, return_refused...).
    event: str | None = None
    # Which of the table's targets, for an action that has several (a callback closes or reopens).
    status: Status | None = None
    # False: the body only added to the record (an assisting unit's note), the ticket is unchanged.
    touches: bool = True


@dataclass(frozen=True)
class Step:
    """The checked ticket and its context, handed to an action's body."""

    session: Session
    actor: Actor
    ticket: Ticket
    before: Status
    ctx: Ctx

    def record(self, event: str, *, note: str = "", data: dict[str, Any] | None = None) -> None:
        """An extra event the body appends before the action's own (at the status as it is now)."""
        add_event(
            self.session,
            self.ticket,
            self.actor,
            event,
            self.ctx,
            from_status=self.before,
            note=note,
            data=data,
        )


Body = Callable[[Step], Outcome]


def run_action(
    session: Session, actor: Actor, ticket_no: str, action: Action, ctx: Ctx, body: Body
) -> Ticket:
    # Out of the actor's scope answers 404 like a missing ticket (issue 11: no existence oracle).
    ticket = load_visible(session, actor, ticket_no, lock=True)
    before = Status(ticket.status)
    rule = check(action, before, actor.role)
    if rule.unit_action and (actor.unit_code is None or actor.unit_code != ticket.lead_unit_code):
        raise Forbidden("只有主办单位可以执行此操作")
    outcome = body(Step(session, actor, ticket, before, ctx))
    ticket.status = next_status(action, before, outcome.status)
    if outcome.touches:
        ticket.updated_at = ctx.now
    add_event(
        session,
        ticket,
        actor,
        outcome.event or action,
        ctx,
        from_status=before,
        note=outcome.note,
        unit_code=outcome.unit_code,
        data=outcome.data,
    )
    return ticket

"""Unmasking (issue 11): auditors and supervisors see masked data by default; seeing a ticket in
full is an explicit action with a reason, written to the audit log before the answer is made."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select

from tickets.actors import Actor
from tickets.context import Ctx
from tickets.errors import Forbidden
from tickets.models import Ticket
from tickets.policy.build import detail
from tickets.policy.rules import UNMASK_REFUSED, UNMASK_ROLES
from tickets.policy.scope import not_found, viewer_for
from tickets.policy.views import TicketDetail

UNMASK_ACTION = "unmask"


def unmask(session: Session, actor: Actor, ticket_no: str, reason: str, ctx: Ctx) -> TicketDetail:
    """The detail in full for an allowed role; refused roles get 403 and nothing is written."""
    if actor.role not in UNMASK_ROLES:
        raise Forbidden(UNMASK_REFUSED)
    ticket = session.exec(select(Ticket).where(Ticket.ticket_no == ticket_no)).first()
    if ticket is None:
        raise not_found(ticket_no)
    viewer = replace(viewer_for(session, actor), unmasked=True)
    # DOMAIN.md §9 "every read of personal data is audit-logged": here always, with the reason.
    return detail(session, viewer, ticket, ctx, audit_action=UNMASK_ACTION, note=reason)

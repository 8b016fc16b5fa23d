"""Who is looking (`Viewer`), their relation to a ticket, and which tickets they may see at all.

A unit's relation comes from its active assignments and from the unit tree (units.parent_code):
a 投诉/举报 against a unit is hidden from that unit and from every unit below it (DOMAIN.md §9),
so a street office of the district complained about is the district for this purpose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, not_, true
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.errors import Forbidden, NotFound
from tickets.models import Assignment, Ticket, Unit
from tickets.policy.rules import Access, Relation, access
from tickets.vocab import AssignmentRole, Role, TicketType

HIDING_TYPES = (TicketType.COMPLAINT.value, TicketType.REPORT.value)


@dataclass(frozen=True)
class Viewer:
    """A reader of tickets; build it with `viewer_for` / `unit_viewer`, never by hand in a route."""

    username: str
    role: Role | None  # None: not logged in (the public pages)
    unit_code: str | None
    # The viewer's unit and every unit above it, nearest first (empty for the centre's roles).
    unit_chain: tuple[str, ...] = ()
    # Set only by `tickets.policy.unmask`, after the reason was written to the audit log.
    unmasked: bool = False

    @property
    def is_unit(self) -> bool:
        return self.role == Role.UNIT_HANDLER


PUBLIC = Viewer(username="public", role=None, unit_code=None)


def _chain(session: Session, unit_code: str) -> tuple[str, ...]:
    parents = dict(session.exec(select(Unit.code, Unit.parent_code)).all())
    chain: list[str] = []
    code: str | None = unit_code
    while code is not None and code not in chain:  # `not in`: a cycle in bad data ends the walk
        chain.append(code)
        code = parents.get(code)
    return tuple(chain)


def viewer_for(session: Session, actor: Actor | None) -> Viewer:
    if actor is None:
        return PUBLIC
    chain = _chain(session, actor.unit_code) if actor.role == Role.UNIT_HANDLER and actor.unit_code else ()
    return Viewer(actor.username, actor.role, actor.unit_code, chain)


def unit_viewer(session: Session, unit_code: str) -> Viewer:
    """A unit as a whole: what its portal is told live (`tickets.unit_events`)."""
    return Viewer(f"unit:{unit_code}", Role.UNIT_HANDLER, unit_code, _chain(session, unit_code))


def relation(viewer: Viewer, ticket: Ticket, assigned: str | None) -> Relation:
    """`assigned`: the viewer's unit's active assignment role on the ticket (lead/assist) or None.

    A complained-about unit that is not assigned is `none`: it does not see the ticket at all.
    """
    if not viewer.is_unit or assigned is None:
        return Relation.NONE
    if ticket.type in HIDING_TYPES and ticket.complained_unit_code in viewer.unit_chain:
        return Relation.COMPLAINED
    return Relation.LEAD if assigned == AssignmentRole.LEAD else Relation.ASSIST


def assignments_of(session: Session, viewer: Viewer, ticket_ids: Iterable[int]) -> dict[int, str]:
    """ticket id → the viewer's unit's active assignment role (lead wins over assist)."""
    ids = list(ticket_ids)
    if not viewer.is_unit or not viewer.unit_code or not ids:
        return {}
    rows = session.exec(
        select(Assignment.ticket_id, Assignment.role).where(
            col(Assignment.ticket_id).in_(ids),
            Assignment.unit_code == viewer.unit_code,
            col(Assignment.active).is_(True),
        )
    ).all()
    out: dict[int, str] = {}
    for ticket_id, role in rows:
        if out.get(ticket_id) != AssignmentRole.LEAD:
            out[ticket_id] = role
    return out


def relation_of(session: Session, viewer: Viewer, ticket: Ticket) -> Relation:
    if ticket.id is None:
        return Relation.NONE
    return relation(viewer, ticket, assignments_of(session, viewer, [ticket.id]).get(ticket.id))


def access_of(viewer: Viewer, rel: Relation) -> Access:
    return access(viewer.role, rel, unmasked=viewer.unmasked)


def not_found(ticket_no: str) -> NotFound:
    """The same answer for a missing ticket and one out of scope: no existence oracle (issue 11)."""
    return NotFound(f"工单不存在:{ticket_no}")


def ensure_visible(session: Session, viewer: Viewer, ticket: Ticket) -> Relation:
    rel = relation_of(session, viewer, ticket)
    if not access_of(viewer, rel).visible:
        raise not_found(ticket.ticket_no)
    return rel


def scope_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Which tickets the viewer may see: the centre all, a unit only its active assignments."""
    if viewer.is_unit:
        if not viewer.unit_code:
            return false()
        mine = select(Assignment.ticket_id).where(
            Assignment.unit_code == viewer.unit_code, col(Assignment.active).is_(True)
        )
        return col(Ticket.id).in_(mine)
    if viewer.role is not None and access(viewer.role, Relation.NONE).visible:
        return true()
    return false()


def phone_search_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Tickets a search by the caller's number may return to this viewer (issue 11: the search must
    never confirm a suspected complainant to the unit complained about). Refuses who may not search."""
    if not viewer.is_unit:
        if viewer.role is None or not access(viewer.role, Relation.NONE).phone_search:
            raise Forbidden("无权按来电号码查询")
        return true()
    if not viewer.unit_code or not access(viewer.role, Relation.LEAD).phone_search:
        raise Forbidden("无权按来电号码查询")
    # Only where the caller is shown in full to this unit: its lead tickets not hiding the caller.
    lead = select(Assignment.ticket_id).where(
        Assignment.unit_code == viewer.unit_code,
        col(Assignment.active).is_(True),
        Assignment.role == AssignmentRole.LEAD,
    )
    # is_not(None) first: NULL IN (...) is NULL, and NOT NULL would drop ordinary tickets too.
    hiding = and_(
        col(Ticket.type).in_(HIDING_TYPES),
        col(Ticket.complained_unit_code).is_not(None),
        col(Ticket.complained_unit_code).in_(viewer.unit_chain),
    )
    return and_(col(Ticket.id).in_(lead), not_(hiding))

"""The privacy table (DOMAIN.md §9; 004 §20, 002 三(二)3, 003 §15): who sees what of a ticket.

One row per audience (a role, and for units the relation to the ticket), one column per kind of
field. A cell is a `Level`: the value itself, a masked value, or `(已隐去)`. Pure data: no database,
no I/O; `tickets.policy.shown` applies a level to a field, the builders pick the cell.

Why the cells are what they are:
- seats and supervisors work the ticket and call the citizen back: full in the detail view (each
  read audited), masked in lists (a list is scanned, not read; it is not audited);
- auditors and admins check the work, they do not contact anyone: masked everywhere, unmasking is
  an explicit action with a reason (`UNMASK_ROLES`, `tickets.policy.unmask`);
- the lead unit contacts the citizen (001 三(四) 首次联系): full in the detail view, audited;
- an assisting unit gives its opinion on the matter: masked;
- the unit complained about or reported, and each of its sub-units (DOMAIN.md §9 "never to the
  unit or person complained about"): `(已隐去)` for identity, free text masked at the "hidden"
  level; it keeps the matter, the category, the street-level place and the deadlines;
- a unit with no relation does not see the ticket at all (404, no existence oracle);
- the public (001 六 受理公开): consented, closed tickets only, masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tickets.vocab import Role


class Level(StrEnum):
    FULL = "full"
    MASKED = "masked"
    HIDDEN = "hidden"


class Relation(StrEnum):
    """A viewer's relation to one ticket (units only; the centre's roles are always `none`)."""

    LEAD = "lead"
    ASSIST = "assist"
    # DOMAIN.md §9: the complained/reported unit or any of its sub-units; wins over lead/assist.
    COMPLAINED = "complained"
    NONE = "none"


class Audience(StrEnum):
    CENTRE = "centre"  # seat, supervisor, the system (ticket writer, scheduler)
    OVERSIGHT = "oversight"  # auditor, admin
    UNMASKED = "unmasked"  # an auditor or supervisor after `unmask` with a reason
    UNIT_LEAD = "unit_lead"
    UNIT_ASSIST = "unit_assist"
    UNIT_COMPLAINED = "unit_complained"
    UNIT_NONE = "unit_none"
    PUBLIC = "public"  # nobody logged in: the disclosure page


@dataclass(frozen=True)
class Access:
    """One row of the table: what an audience gets of each kind of field."""

    visible: bool
    identity: Level  # citizen name, phone, address in the detail view
    identity_in_list: Level  # the same in lists, portal lists, boards, action answers
    text: Level  # free text in the detail view and the history
    text_in_list: Level  # titles in lists and boards
    phone_search: bool  # GET /api/tickets?phone=


F, M, H = Level.FULL, Level.MASKED, Level.HIDDEN
NOTHING = Access(False, H, H, H, H, phone_search=False)

TABLE: dict[Audience, Access] = {
    Audience.CENTRE: Access(True, F, M, F, M, phone_search=True),
    Audience.OVERSIGHT: Access(True, M, M, M, M, phone_search=False),
    Audience.UNMASKED: Access(True, F, M, F, M, phone_search=False),
    # The lead unit may search by phone only among tickets whose caller it may see (its own lead
    # tickets not complaining about it): `tickets.policy.scope.phone_search_clause`.
    Audience.UNIT_LEAD: Access(True, F, M, F, M, phone_search=True),
    Audience.UNIT_ASSIST: Access(True, M, M, M, M, phone_search=False),
    Audience.UNIT_COMPLAINED: Access(True, H, H, H, H, phone_search=False),
    Audience.UNIT_NONE: NOTHING,
    Audience.PUBLIC: Access(True, M, M, M, M, phone_search=False),
}

CENTRE_ROLES = frozenset({Role.SEAT, Role.SUPERVISOR, Role.SYSTEM})
OVERSIGHT_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})
# Who may unmask, with a reason: the auditor checks a complaint's handling, the supervisor decides on
# a case. Never a unit (it could be the one complained about), never the admin (keeps the system,
# not the cases), never a seat (sees the detail in full already while working the ticket).
UNMASK_ROLES = frozenset({Role.SUPERVISOR, Role.AUDITOR})
UNMASK_REFUSED = "无权查看未脱敏信息"
UNIT_RELATIONS: dict[Relation, Audience] = {
    Relation.LEAD: Audience.UNIT_LEAD,
    Relation.ASSIST: Audience.UNIT_ASSIST,
    Relation.COMPLAINED: Audience.UNIT_COMPLAINED,
    Relation.NONE: Audience.UNIT_NONE,
}


def audience(role: Role | None, relation: Relation, *, unmasked: bool = False) -> Audience:
    """The table's row for a role (None: not logged in) and its relation to the ticket."""
    if role is None:
        return Audience.PUBLIC
    if role == Role.UNIT_HANDLER:
        return UNIT_RELATIONS[relation]
    if unmasked and role in UNMASK_ROLES:
        return Audience.UNMASKED
    if role in CENTRE_ROLES:
        return Audience.CENTRE
    if role in OVERSIGHT_ROLES:
        return Audience.OVERSIGHT
    return Audience.UNIT_NONE  # an unknown role sees nothing


def access(role: Role | None, relation: Relation, *, unmasked: bool = False) -> Access:
    return TABLE[audience(role, relation, unmasked=unmasked)]

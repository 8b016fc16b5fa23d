"""What each viewer may see of each citizen: the one declarative table of the privacy matrix.

Rows are the viewers (role and, for unit handlers, their unit's relation to the fixtures); columns
the citizens of `people.PEOPLE` (one per fixture). A cell is a `Level` for every kind of datum;
`OVERRIDES` refines single kinds. Sources: DOMAIN.md §9 (never to the unit complained about;
disclosure masked; access by role and unit), issue 11 ("Hidden means hidden", "Auditors and admins
see masked data by default", "Roles on the live side"), and the policy table of tickets.policy
(`tickets/policy/rules.py`: a lead unit sees the citizen, an assisting unit a masked citizen, the
complained unit and its sub-units `(已隐去)`, an unrelated unit not the ticket at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tests.integration.privacy.people import Kind


class Level(Enum):
    FULL = "full"  # the value may appear as it is
    MASKED = "masked"  # only a masked form (张**, 139****6642, 43**...38): never the value
    NOTHING = "nothing"  # neither the value nor any masked hint of it (surname, last four digits)


F, M, N = Level.FULL, Level.MASKED, Level.NOTHING


@dataclass(frozen=True)
class Viewer:
    key: str
    username: str | None  # None: anonymous (no token)
    relation: str  # what this viewer is to the fixtures, for the report


# The unit handlers are the demo city's (tickets.demo): 东城区 has the street offices as sub-units.
LEAD_UNIT = "dept-urban"
ASSIST_UNIT = "dept-housing"
COMPLAINED_UNIT = "d-dongcheng"
SUB_UNIT = "s-dc-hepingli"  # 东城区和平里街道办事处, a sub-unit of 东城区
UNRELATED_UNIT = "dept-env"
LIVE_SEAT = "1001"  # the line the "call" citizen is on; seat1001 also took the recorded call

VIEWERS: tuple[Viewer, ...] = (
    Viewer("anonymous", None, "no token: the public pages"),
    Viewer("seat", "seat1001", "the seat who took the call (and opened the tickets)"),
    Viewer("seat_other", "seat1002", "another seat"),
    Viewer("supervisor", "supervisor", "centre supervisor"),
    Viewer("unit_lead", f"unit-{LEAD_UNIT}", "lead unit of every ticket"),
    Viewer("unit_assist", f"unit-{ASSIST_UNIT}", "assisting unit of the open and hidden tickets"),
    Viewer("unit_complained", f"unit-{COMPLAINED_UNIT}", "complained about (hidden), assisting (open)"),
    Viewer("unit_subunit", f"unit-{SUB_UNIT}", "sub-unit of the complained unit, assisting both"),
    Viewer("unit_unrelated", f"unit-{UNRELATED_UNIT}", "no relation to any fixture"),
    Viewer("auditor", "auditor", "auditor: masked by default"),
    Viewer("admin", "admin", "admin: masked by default, no live caller numbers"),
)
VIEWER_KEYS = tuple(v.key for v in VIEWERS)

# viewer → citizen (people.PEOPLE key) → level for every kind of datum. The closed ticket is on the
# public disclosure page, so everyone gets at least its masked form; every answered call becomes a
# ticket (a draft, tickets.ingest) that any seat may complete, and a missed call a callback task
# for any seat, so seats see the caller in full (the other seat's desk topic stays refused).
#                      hidden complaint  open help  closed+consented  recorded/live call
TABLE: dict[str, dict[str, Level]] = {
    "anonymous":       {"hidden": N, "open": N, "closed": M, "call": N},
    "seat":            {"hidden": F, "open": F, "closed": F, "call": F},
    "seat_other":      {"hidden": F, "open": F, "closed": F, "call": F},
    "supervisor":      {"hidden": F, "open": F, "closed": F, "call": F},
    "unit_lead":       {"hidden": F, "open": F, "closed": F, "call": N},
    "unit_assist":     {"hidden": M, "open": M, "closed": M, "call": N},
    "unit_complained": {"hidden": N, "open": M, "closed": M, "call": N},
    "unit_subunit":    {"hidden": N, "open": M, "closed": M, "call": N},
    "unit_unrelated":  {"hidden": N, "open": N, "closed": M, "call": N},
    "auditor":         {"hidden": M, "open": M, "closed": M, "call": M},
    "admin":           {"hidden": M, "open": M, "closed": M, "call": M},
}  # fmt: skip

# (viewer, citizen, kind) → level, where one kind differs from its row. Audio cannot be masked:
# the recording is for the supervisors, the auditors (call quality, audited) and the seat who took
# the call (README "Recordings"); everyone else, admins included (they manage accounts, §9 "anyone
# who does not need it"), gets nothing of it.
OVERRIDES: dict[tuple[str, str, Kind], Level] = {
    **{(viewer, "call", Kind.VOICE): N for viewer in VIEWER_KEYS},
    ("seat", "call", Kind.VOICE): F,
    ("supervisor", "call", Kind.VOICE): F,
    ("auditor", "call", Kind.VOICE): F,
}

# Surfaces that cap every cell: a wall screen hangs in the room, anyone there reads it (issue 11).
SURFACE_CAPS: dict[str, Level] = {"wallboard": M}
# Surfaces that lift a viewer's cells: unmasking with a reason (POST /api/tickets/{no}/unmask, written
# to the audit log) is the supervisor's and the auditor's (tickets.policy.UNMASK_ROLES); for
# everyone else the answer must still keep to the table.
SURFACE_LIFTS: dict[str, dict[str, Level]] = {"unmask": {"supervisor": F, "auditor": F}}

_ORDER = {N: 0, M: 1, F: 2}


def expected(viewer: str, citizen: str, kind: Kind, surface: str) -> Level:
    level = OVERRIDES.get((viewer, citizen, kind), TABLE[viewer][citizen])
    level = SURFACE_LIFTS.get(surface, {}).get(viewer, level)
    cap = SURFACE_CAPS.get(surface)
    return cap if cap is not None and _ORDER[cap] < _ORDER[level] else level

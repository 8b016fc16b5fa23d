"""The one privacy policy of tickets (DOMAIN.md §9; issue 11): for a viewer and a field, the value,
a masked value or `(已隐去)`; and the typed views that only this package builds.

- `rules`: the table (audience × kind of field → level), pure;
- `scope`: `Viewer`, relations (lead / assist / complained / none, via the unit tree), visibility
  (out of scope answers 404 like a missing ticket), the phone search's scope;
- `shown`: a level applied to a field, free text masked by content (`tickets.privacy_text`);
- `views`: the view classes; `build`, `others`, `unmask`: the only code that makes them.
"""

from tickets.policy.build import detail, events, portal_items, summaries, summary
from tickets.policy.live import UnitDelta
from tickets.policy.others import audit_entries, board, callback_task, disclosure_items, unit_deltas
from tickets.policy.rules import TABLE, UNMASK_ROLES, Access, Audience, Level, Relation, access, audience
from tickets.policy.scope import (
    PUBLIC,
    Viewer,
    ensure_visible,
    not_found,
    phone_search_clause,
    relation_of,
    scope_clause,
    unit_viewer,
    viewer_for,
)
from tickets.policy.unmask import unmask
from tickets.policy.views import (
    AuditView,
    BoardItem,
    CallbackTaskView,
    DisclosureItem,
    EventView,
    PolicyView,
    PortalTicket,
    TicketDetail,
    TicketSummary,
    UnitBoard,
)

__all__ = [
    "PUBLIC",
    "TABLE",
    "UNMASK_ROLES",
    "Access",
    "Audience",
    "AuditView",
    "BoardItem",
    "CallbackTaskView",
    "DisclosureItem",
    "EventView",
    "Level",
    "PolicyView",
    "PortalTicket",
    "Relation",
    "TicketDetail",
    "TicketSummary",
    "UnitBoard",
    "UnitDelta",
    "Viewer",
    "access",
    "audience",
    "audit_entries",
    "board",
    "callback_task",
    "detail",
    "disclosure_items",
    "ensure_visible",
    "events",
    "not_found",
    "phone_search_clause",
    "portal_items",
    "relation_of",
    "scope_clause",
    "summaries",
    "summary",
    "unit_deltas",
    "unit_viewer",
    "unmask",
    "viewer_for",
]

"""The typed views of tickets that the REST API and the unit topic serve.

Every class here subclasses `PolicyView`, and only the builders of `tickets.policy` make them
(tests/unit/tickets/test_policy_table.py fails when another module constructs one, and when a
route's response model is an ORM table). A route therefore cannot hand out a `Ticket` row, nor a
view whose personal data the policy has not decided.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tickets.vocab import CallbackKind


class PolicyView(BaseModel):
    """Base of the views built by the privacy policy (DOMAIN.md §9)."""


class EventView(PolicyView):
    at: datetime
    actor: str
    role: str
    unit_code: str | None
    action: str
    from_status: str | None
    to_status: str | None
    note: str  # free text, masked by content at the reader's level


class TicketSummary(PolicyView):
    ticket_no: str
    channel: str
    type: str
    urgency: str
    status: str
    status_label: str
    category_code: str | None
    title: str  # derived from the masked content below the reader's full level
    lead_unit_code: str | None
    created_at: datetime
    complete_due: datetime | None
    overdue: bool
    supervision_level: int
    priority: int
    citizen_name: str | None  # masked in lists, (已隐去) for the unit complained about
    citizen_phone: str | None  # masked in lists, (已隐去) for the unit complained about


class TicketDetail(TicketSummary):
    # What this reader's relation to the ticket is (lead / assist / complained / none) and whether the
    # identity is hidden from it (DOMAIN.md §9).
    relation: str
    content: str
    location: str | None
    citizen_address: str | None
    identity_hidden: bool
    consent_disclosure: bool
    complained_unit_code: str | None
    assist_unit_codes: list[str]
    dispatched_at: datetime | None
    signed_at: datetime | None
    first_contact_at: datetime | None
    replied_at: datetime | None
    approved_at: datetime | None
    closed_at: datetime | None
    archived_at: datetime | None
    dispatch_due: datetime | None
    response_due: datetime | None
    callback_due: datetime | None
    intake_closed: bool
    not_accepted_reason: str | None
    reply_text: str | None
    reply_person: str | None
    reply_head: str | None
    extension_days: int | None
    extension_reason: str | None
    return_reason: str | None
    key_supervision: bool
    leader_instruction: str | None
    satisfaction: str | None
    resolved: bool | None
    callback_count: int
    reopen_count: int
    merged_into: str | None
    linked_calls: list[str]
    allowed_actions: list[str]


class PortalTicket(TicketSummary):
    # Working days from today to the deadline; negative once it has passed (DOMAIN.md §5).
    working_days_left: int | None
    response_working_days_left: int | None


class DisclosureItem(PolicyView):
    """001 六: public disclosure, consented and masked."""

    ticket_no: str
    type: str
    category: str | None
    title: str
    content: str
    citizen: str | None
    unit: str | None
    reply: str | None
    handler: str | None
    closed_at: datetime | None


class CallbackTaskView(PolicyView):
    id: int
    kind: CallbackKind
    phone: str
    ticket_no: str | None
    created_at: datetime
    due_at: datetime
    overdue: bool
    done: bool
    attempts: int
    note: str


class BoardItem(PolicyView):
    ticket_no: str
    title: str
    status: str
    urgency: str
    # "complete": the unit's completion deadline; "dispatch": an urgent ticket the centre has
    # not dispatched yet (001 三(三)2: within 15 min, 5 for a major emergency).
    clock: str
    due: datetime
    supervision_level: int


class UnitBoard(PolicyView):
    unit_code: str
    unit_name: str
    overdue: list[BoardItem]
    due_soon: list[BoardItem]


class AuditView(PolicyView):
    at: str
    actor: str
    role: str
    action: str
    subject: str  # masked by content: a number searched for is itself personal data
    fields: str
    note: str  # an unmask reason, masked by content

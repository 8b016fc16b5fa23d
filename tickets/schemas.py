"""Inputs and views of the use cases (the REST API exposes exactly these)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from core.bounds import AwareTime, Code, Offset, Phone
from tickets.vocab import Channel, Satisfaction, Status, TicketType, Urgency


class TicketIntake(BaseModel):
    """A request from any channel (DOMAIN.md §1); phone tickets come from the seat's desk."""

    channel: Channel
    type: TicketType
    urgency: Urgency = Urgency.NORMAL
    category_code: Code | None = None
    title: str = Field(default="", max_length=200)
    content: str = Field(min_length=1, max_length=20000)
    location: str | None = Field(default=None, max_length=200)
    citizen_name: str | None = Field(default=None, max_length=60)
    citizen_phone: str | None = Field(default=None, max_length=40)
    citizen_address: str | None = Field(default=None, max_length=200)
    consent_disclosure: bool = False
    complained_unit_code: Code | None = None
    # The live call this ticket is opened on (the call record links to it later by ticket_no).
    linkedid: str | None = Field(default=None, max_length=64)


class Note(BaseModel):
    note: str = Field(default="", max_length=2000)


class DispatchInput(BaseModel):
    lead_unit_code: Code
    assist_unit_codes: list[Code] = Field(default_factory=list, max_length=20)
    note: str = Field(default="", max_length=2000)


class CloseAtIntakeInput(BaseModel):
    answer: str = Field(min_length=1, max_length=5000)


class RefuseInput(BaseModel):
    reason_code: Code
    note: str = Field(default="", max_length=2000)


class ReplyInput(BaseModel):
    """001 五(四): the reply names the responsible person and is signed off by the unit's head."""

    text: str = Field(min_length=2, max_length=10000)
    responsible_person: str = Field(min_length=1, max_length=60)
    head_signoff: str = Field(min_length=1, max_length=60)


class ReviewInput(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


class ExtensionRequest(BaseModel):
    days: int = Field(ge=1, le=30)
    reason: str = Field(min_length=2, max_length=500)


class Decision(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


class ReturnRequest(BaseModel):
    reason: str = Field(min_length=2, max_length=500)


class ReturnDecision(BaseModel):
    approve: bool
    # Approved with a new lead unit: 改派 at once; approved without: back to the centre's queue.
    new_lead_unit_code: Code | None = None
    assist_unit_codes: list[Code] = Field(default_factory=list, max_length=20)
    note: str = Field(default="", max_length=2000)


class SuperviseInput(BaseModel):
    note: str = Field(min_length=1, max_length=2000)
    key: bool = False  # 000 §23 重点督办


class LeaderInstructionInput(BaseModel):
    leader: str = Field(min_length=1, max_length=60)
    instruction: str = Field(min_length=1, max_length=5000)


class CallbackInput(BaseModel):
    satisfaction: Satisfaction
    resolved: bool
    note: str = Field(default="", max_length=2000)


class MergeInput(BaseModel):
    into_ticket_no: Code
    note: str = Field(default="", max_length=2000)


class TicketFilter(BaseModel):
    status: Status | None = None
    channel: Channel | None = None
    type: TicketType | None = None
    unit_code: Code | None = None
    category_code: Code | None = None
    phone: Phone | None = None
    created_from: AwareTime | None = None
    created_to: AwareTime | None = None
    overdue: bool | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class EventView(BaseModel):
    at: datetime
    actor: str
    role: str
    unit_code: str | None
    action: str
    from_status: str | None
    to_status: str | None
    note: str


class TicketSummary(BaseModel):
    ticket_no: str
    channel: str
    type: str
    urgency: str
    status: str
    status_label: str
    category_code: str | None
    title: str
    lead_unit_code: str | None
    created_at: datetime
    complete_due: datetime | None
    overdue: bool
    supervision_level: int
    priority: int
    citizen_name: str | None  # masked in lists
    citizen_phone: str | None  # masked in lists


class TicketDetail(TicketSummary):
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


class DisclosureItem(BaseModel):
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

"""Inputs of the use cases; the views they answer with are `tickets.policy.views`."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

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


class UnmaskInput(BaseModel):
    """Issue 11: unmasking is an explicit action; the reason goes to the audit log."""

    reason: str = Field(min_length=1, max_length=200, description="查看未脱敏信息的理由(必填,写入审计日志)")

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("须填写查看理由")
        return value.strip()

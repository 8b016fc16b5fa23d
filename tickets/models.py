"""SQLModel tables of the work-order engine.

Times are aware UTC datetimes (`UTCDateTime`); codes (unit, category) are natural keys so that
seed data, events and KPIs read the same on SQLite and PostgreSQL. Words of the domain
(`tickets.vocab`) are enum columns: VARCHAR with a CHECK of the allowed values. The event history
is append-only: `guard_append_only` refuses any update or delete of a `TicketEvent` or `AuditLog`
in the sessions of `tickets.db.Database` (importing this module changes no other session).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from tickets.sqltypes import UTCDateTime, str_enum
from tickets.vocab import AssignmentRole, Channel, KbStatus, Role, Status, TicketType, Urgency


def _dt(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


def _enum(
    enum: type[StrEnum], check: str, length: int, *, index: bool = False, nullable: bool = False
) -> Any:
    column: Column[Any] = Column(str_enum(enum, check=check, length=length), index=index, nullable=nullable)
    return Field(default=None, sa_column=column) if nullable else Field(sa_column=column)


class Unit(SQLModel, table=True):
    """DOMAIN.md §7: centre (tier 1) → districts/departments/utilities (2) → streets/sub-units (3)."""

    __tablename__ = "units"

    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    tier: int = Field(ge=1, le=3)
    kind: str = Field(max_length=20)  # centre | district | department | utility | street
    parent_code: str | None = Field(default=None, foreign_key="units.code", index=True, max_length=40)
    # Three-way calls dial this line (DOMAIN.md §4.2).
    duty_phone: str = Field(max_length=40)
    active: bool = True


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=60)
    display_name: str = Field(max_length=60)
    role: Role = _enum(Role, "ck_users_role", 20)
    unit_code: str | None = Field(default=None, foreign_key="units.code", max_length=40)
    extension: str | None = Field(default=None, max_length=20)
    password_hash: str = Field(max_length=300)
    active: bool = True
    # Bumped on deactivation and password reset: every token issued before stops working
    # (agent_desk.api.token_check).
    token_version: int = 0


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=60)
    parent_code: str | None = Field(default=None, foreign_key="categories.code", index=True, max_length=40)
    # Which unit usually handles it: what the desk and the IVR propose as lead unit.
    default_unit_code: str | None = Field(default=None, foreign_key="units.code", max_length=40)


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"

    id: int | None = Field(default=None, primary_key=True)
    ticket_no: str = Field(unique=True, index=True, max_length=40)
    channel: Channel = _enum(Channel, "ck_tickets_channel", 20)
    type: TicketType = _enum(TicketType, "ck_tickets_type", 20)
    urgency: Urgency = _enum(Urgency, "ck_tickets_urgency", 10)
    status: Status = _enum(Status, "ck_tickets_status", 20, index=True)
    category_code: str | None = Field(default=None, foreign_key="categories.code", max_length=40)
    title: str = Field(default="", max_length=200)
    content: str = Field(default="", sa_type=Text)
    location: str | None = Field(default=None, max_length=200)
    # Personal data (DOMAIN.md §9): every read lands in the audit log.
    citizen_name: str | None = Field(default=None, max_length=60)
    citizen_phone: str | None = Field(default=None, index=True, max_length=40)
    citizen_address: str | None = Field(default=None, max_length=200)
    consent_disclosure: bool = False  # 001 六: public disclosure only with consent
    # 投诉/举报 against this unit: the citizen's identity is never shown to it (DOMAIN.md §9).
    complained_unit_code: str | None = Field(default=None, foreign_key="units.code", max_length=40)
    lead_unit_code: str | None = Field(default=None, foreign_key="units.code", index=True, max_length=40)
    created_by: str = Field(max_length=60)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    dispatched_at: datetime | None = _dt(index=True)
    signed_at: datetime | None = _dt()
    first_contact_at: datetime | None = _dt()
    replied_at: datetime | None = _dt()
    approved_at: datetime | None = _dt()
    closed_at: datetime | None = _dt(index=True)
    archived_at: datetime | None = _dt()
    # Separate clocks (DOMAIN.md §5): dispatch (urgent), response, completion, callback.
    dispatch_due: datetime | None = _dt()
    response_due: datetime | None = _dt()
    complete_due: datetime | None = _dt(index=True)
    callback_due: datetime | None = _dt()
    intake_closed: bool = False  # 直接办结
    not_accepted_reason: str | None = Field(default=None, max_length=40)
    reply_text: str | None = Field(default=None, sa_type=Text)
    reply_person: str | None = Field(default=None, max_length=60)
    reply_head: str | None = Field(default=None, max_length=60)
    send_back_count: int = 0
    # Pending unit requests: at most one of each kind at a time.
    extension_days: int | None = None
    extension_reason: str | None = Field(default=None, max_length=500)
    return_reason: str | None = Field(default=None, max_length=500)
    status_before_return: Status | None = _enum(Status, "ck_tickets_status_before_return", 20, nullable=True)
    supervision_level: int = 0  # 0 none, 1 reminder, 2 written notice, 3 escalation (000 §23)
    key_supervision: bool = False
    leader_instruction: str | None = Field(default=None, sa_type=Text)
    priority: int = 0  # leader instruction = highest (000 §20)
    satisfaction: str | None = Field(default=None, max_length=30)
    resolved: bool | None = None
    callback_count: int = 0
    reopen_count: int = 0
    merged_into: str | None = Field(default=None, max_length=40)


class Assignment(SQLModel, table=True):
    """One unit's turn on a ticket; unit scoping and the unit KPIs (DOMAIN.md §11) read this."""

    __tablename__ = "assignments"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    unit_code: str = Field(foreign_key="units.code", index=True, max_length=40)
    role: AssignmentRole = _enum(AssignmentRole, "ck_assignments_role", 10)
    active: bool = True
    assigned_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime | None = _dt()
    response_due: datetime | None = _dt()
    complete_due: datetime | None = _dt()
    first_contact_at: datetime | None = _dt()
    replied_at: datetime | None = _dt()
    returned: bool = False
    extended: bool = False


class IntakeRequest(SQLModel, table=True):
    """A 受理 request that must not create a second ticket when repeated (tickets.actions.acceptance).

    Keyed by the client's `Idempotency-Key` (per account) and by the call it was opened on; the
    unique constraints make two concurrent identical requests end in one ticket."""

    __tablename__ = "intake_requests"
    __table_args__ = (
        UniqueConstraint("actor", "idem_key", name="uq_intake_requests_actor_key"),
        UniqueConstraint("linkedid", name="uq_intake_requests_linkedid"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=60)
    idem_key: str | None = Field(default=None, max_length=200)
    linkedid: str | None = Field(default=None, max_length=64)
    # sha256 of the request body as validated: the same key with another body is refused.
    fingerprint: str = Field(max_length=64)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)


class TicketEvent(SQLModel, table=True):
    """Append-only history: who, role, when, action, why (DOMAIN.md §6)."""

    __tablename__ = "ticket_events"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=60)
    role: Role = _enum(Role, "ck_ticket_events_role", 20)
    unit_code: str | None = Field(default=None, max_length=40)
    action: str = Field(index=True, max_length=40)
    from_status: Status | None = _enum(Status, "ck_ticket_events_from_status", 20, nullable=True)
    to_status: Status | None = _enum(Status, "ck_ticket_events_to_status", 20, nullable=True)
    note: str = Field(default="", sa_type=Text)
    data: str = Field(default="{}", sa_type=Text)  # JSON


class TicketCounter(SQLModel, table=True):
    """Per-day sequence of ticket numbers (day in the centre's time zone)."""

    __tablename__ = "ticket_counters"

    day: str = Field(primary_key=True, max_length=8)
    last: int = 0


class CallLink(SQLModel, table=True):
    """One citizen call (key: linkedid) and what it became: a ticket, a referral or a call-back."""

    __tablename__ = "call_links"

    id: int | None = Field(default=None, primary_key=True)
    linkedid: str = Field(unique=True, index=True, max_length=64)
    caller: str = Field(index=True, max_length=40)
    did: str | None = Field(default=None, max_length=20)
    outcome: str = Field(max_length=30)
    started_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime = Field(sa_type=UTCDateTime)
    seat: str | None = Field(default=None, max_length=20)
    queue: str | None = Field(default=None, max_length=40)
    wait_s: float | None = None
    talk_s: float | None = None
    recording_path: str | None = Field(default=None, max_length=300)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    referral_id: int | None = Field(default=None, foreign_key="emergency_referrals.id")
    record_json: str = Field(default="{}", sa_type=Text)
    # Post-call transcription of the recording (recordings/transcribe.py): done | failed | missing.
    transcript: str | None = Field(default=None, sa_type=Text)
    transcript_status: str | None = Field(default=None, max_length=20, index=True)


class EmergencyReferralRow(SQLModel, table=True):
    """DOMAIN.md §3: every emergency re-route is logged (key: linkedid + target).

    The row of a `core.contracts.EmergencyReferral` hand-off record."""

    __tablename__ = "emergency_referrals"
    __table_args__ = (UniqueConstraint("linkedid", "target", name="uq_referral_linkedid_target"),)

    id: int | None = Field(default=None, primary_key=True)
    linkedid: str = Field(index=True, max_length=64)
    caller: str = Field(max_length=40)
    target: str = Field(max_length=5)
    source: str = Field(max_length=10)
    reason: str = Field(max_length=200)
    transcript: str | None = Field(default=None, sa_type=Text)
    seat: str | None = Field(default=None, max_length=20)
    at: datetime = Field(sa_type=UTCDateTime)
    outcome: str = Field(max_length=20)


class Survey(SQLModel, table=True):
    """One callback (回访) result, by the IVR survey (key: ticket_no + linkedid) or by a seat."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("ticket_no", "linkedid", name="uq_survey_ticket_linkedid"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    ticket_no: str = Field(max_length=40)
    linkedid: str = Field(max_length=64)
    unit_code: str | None = Field(default=None, index=True, max_length=40)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    answered: bool
    satisfaction: str | None = Field(default=None, max_length=30)
    resolved: bool | None = None
    by: str = Field(max_length=60)


class CallbackTask(SQLModel, table=True):
    """回访 due after an approved reply, or 漏接回拨 for a citizen who hung up in the queue."""

    __tablename__ = "callback_tasks"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True, max_length=20)
    phone: str = Field(max_length=40)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    linkedid: str | None = Field(default=None, unique=True, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    done: bool = Field(default=False, index=True)
    done_at: datetime | None = _dt()
    done_by: str | None = Field(default=None, max_length=60)
    attempts: int = 0
    note: str = Field(default="", sa_type=Text)


class WatchEntry(SQLModel, table=True):
    """DOMAIN.md §10: numbers a supervisor put on the watch list (warned and routed, never blocked)."""

    __tablename__ = "watch_list"

    id: int | None = Field(default=None, primary_key=True)
    phone: str = Field(unique=True, index=True, max_length=40)
    reason: str = Field(max_length=200)
    added_by: str = Field(max_length=60)
    added_at: datetime = Field(sa_type=UTCDateTime)
    active: bool = True


class KbArticle(SQLModel, table=True):
    """DOMAIN.md §8: units own entries, the centre approves them, entries have validity dates."""

    __tablename__ = "kb_articles"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=300)
    answer: str = Field(sa_type=Text)
    category_code: str | None = Field(default=None, foreign_key="categories.code", max_length=40)
    unit_code: str | None = Field(default=None, foreign_key="units.code", index=True, max_length=40)
    keywords: str = Field(default="", max_length=300)
    valid_from: date | None = None
    valid_to: date | None = None
    status: KbStatus = _enum(KbStatus, "ck_kb_articles_status", 20, index=True)
    proposed_by: str = Field(max_length=60)
    proposed_at: datetime = Field(sa_type=UTCDateTime)
    reviewed_by: str | None = Field(default=None, max_length=60)
    reviewed_at: datetime | None = _dt()
    review_note: str | None = Field(default=None, max_length=300)
    # Normalised search fields (tickets.kb): characters and toneless pinyin.
    search_text: str = Field(default="", sa_type=Text)
    search_pinyin: str = Field(default="", sa_type=Text)


class CalendarOverride(SQLModel, table=True):
    """A day the chinesecalendar package does not know or gets wrong for this city."""

    __tablename__ = "calendar_overrides"

    day: date = Field(primary_key=True)
    workday: bool
    note: str = Field(default="", max_length=200)


class AuditLog(SQLModel, table=True):
    """DOMAIN.md §9: every read of personal data, append-only."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(index=True, max_length=60)
    role: Role = _enum(Role, "ck_audit_log_role", 20)
    action: str = Field(max_length=40)
    subject: str = Field(index=True, max_length=80)  # ticket number or phone
    fields: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=300)


class AppendOnlyViolation(RuntimeError):
    pass


def guard_append_only(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    """A `before_flush` hook: `tickets.db.Database` registers it on the sessions it makes."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TicketEvent | AuditLog) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation(f"{type(obj).__name__} rows are append-only")

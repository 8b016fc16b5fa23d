"""DOMAIN.md §9 at the edges mutation testing found unchecked: number lengths, short addresses, and
which tickets a role may see (an in-memory SQLite, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from tickets.actors import Actor
from tickets.errors import NotFound
from tickets.models import Assignment, AuditLog, Ticket
from tickets.policy import Level, Relation, Viewer, access, ensure_visible, scope_clause
from tickets.privacy import audit, mask_phone
from tickets.vocab import AssignmentRole, Channel, Role, Status, TicketType, Urgency

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _hidden_digits(phone: str, masked: str) -> int:
    shown = sum(ch.isdigit() for ch in masked)
    return len(phone) - shown


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        # A local landline number (7 or 8 digits) is the subscriber's number itself: only its last
        # two digits may show, never 3 + 4 of 8 digits.
        ("8812345", "*****45"),
        ("88123456", "******56"),
        ("0101234567", "********67"),
        # From 11 digits (a mobile, or a landline with its area code) the middle four are hidden.
        ("01088123456", "010****3456"),
        ("13812345678", "138****5678"),
    ],
)
def test_local_landline_numbers_keep_only_two_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("length", range(1, 16))
def test_no_number_is_ever_shown_whole(length: int) -> None:
    phone = "1234567890123456"[:length]
    masked = mask_phone(phone)
    assert masked is not None
    hidden = _hidden_digits(phone, masked)
    if length >= 11:
        assert hidden >= 4
    else:
        assert length - hidden <= 2
        assert hidden >= 1


@pytest.mark.parametrize(("phone", "masked"), [("110", "*10"), ("95598", "***98"), ("12", "**"), ("7", "*")])
def test_short_numbers_show_one_star_per_hidden_digit(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_surrounding_blanks_do_not_count_as_digits() -> None:
    assert mask_phone(" 13812345678 ") == "138****5678"
    assert mask_phone("") == ""


def test_only_the_centre_desk_and_the_lead_unit_read_personal_data_in_full() -> None:
    # Issue 11: auditors and admins see masked data by default (they unmask with a reason); an
    # assisting unit does not contact the citizen; the unit complained about never sees them.
    readers = {
        (role, rel)
        for role in Role
        for rel in Relation
        if access(role, rel).identity == Level.FULL and access(role, rel).visible
    }
    centre = {(role, rel) for role in (Role.SEAT, Role.SUPERVISOR, Role.SYSTEM) for rel in Relation}
    assert readers == centre | {(Role.UNIT_HANDLER, Relation.LEAD)}


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    tables = SQLModel.metadata.tables
    SQLModel.metadata.create_all(
        engine, tables=[tables["tickets"], tables["assignments"], tables["audit_log"]]
    )
    with Session(engine) as session:
        for no in ("T1", "T2", "T3"):
            session.add(
                Ticket(
                    ticket_no=no,
                    channel=Channel.PHONE,
                    type=TicketType.HELP,
                    urgency=Urgency.NORMAL,
                    status=Status.DISPATCHED,
                    created_by="seat1001",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.flush()
        ids = {t.ticket_no: t.id for t in session.exec(select(Ticket)).all()}
        # u-water holds T1; it held T2 before it was sent back; u-power holds T3.
        for no, unit, active in (("T1", "u-water", True), ("T2", "u-water", False), ("T3", "u-power", True)):
            ticket_id = ids[no]
            assert ticket_id is not None
            session.add(
                Assignment(
                    ticket_id=ticket_id,
                    unit_code=unit,
                    role=AssignmentRole.LEAD,
                    active=active,
                    assigned_at=NOW,
                )
            )
        session.commit()
    yield engine
    engine.dispose()


def _viewer(actor: Actor) -> Viewer:
    chain = (actor.unit_code,) if actor.role == Role.UNIT_HANDLER and actor.unit_code else ()
    return Viewer(actor.username, actor.role, actor.unit_code, chain)


def _visible(engine: Engine, actor: Actor) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Ticket.ticket_no).where(scope_clause(_viewer(actor)))).all())


def test_a_unit_sees_only_the_tickets_it_currently_holds(engine: Engine) -> None:
    assert _visible(engine, Actor("unit-w", Role.UNIT_HANDLER, "u-water")) == {"T1"}
    assert _visible(engine, Actor("unit-p", Role.UNIT_HANDLER, "u-power")) == {"T3"}
    # A unit account without a unit sees nothing, not everything.
    assert _visible(engine, Actor("unit-x", Role.UNIT_HANDLER, None)) == set()


@pytest.mark.parametrize("role", [Role.SEAT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.SYSTEM])
def test_the_centre_sees_every_ticket(engine: Engine, role: Role) -> None:
    assert _visible(engine, Actor("c", role, "centre")) == {"T1", "T2", "T3"}


def test_ensure_visible_answers_a_unit_as_if_a_ticket_it_does_not_hold_did_not_exist(engine: Engine) -> None:
    with Session(engine) as session:
        tickets = {t.ticket_no: t for t in session.exec(select(Ticket)).all()}
        water = _viewer(Actor("unit-w", Role.UNIT_HANDLER, "u-water"))
        ensure_visible(session, water, tickets["T1"])
        for no in ("T2", "T3"):  # sent back, or another unit's
            # Issue 11: 404 with the very words of a missing ticket (was 403 "不属于本单位", which
            # told the unit that the ticket exists: an existence oracle).
            with pytest.raises(NotFound, match=rf"^工单不存在:{no}$"):
                ensure_visible(session, water, tickets[no])
        ensure_visible(session, _viewer(Actor("seat1001", Role.SEAT, "centre")), tickets["T3"])


def test_every_read_of_personal_data_is_audited_with_who_what_and_why(engine: Engine) -> None:
    with Session(engine) as session:
        actor = Actor("unit-w", Role.UNIT_HANDLER, "u-water")
        audit(session, actor, "read_ticket", "T1", "citizen_phone,citizen_name", NOW, note="回访核实")
        audit(session, Actor("seat1001", Role.SEAT, "centre"), "read_ticket", "T3", "citizen_address", NOW)
        session.commit()
        rows = session.exec(select(AuditLog).order_by(AuditLog.id)).all()  # type: ignore[arg-type]
        got = [(r.at, r.actor, r.role, r.action, r.subject, r.fields, r.note) for r in rows]
    assert got == [
        (NOW, "unit-w", "unit_handler", "read_ticket", "T1", "citizen_phone,citizen_name", "回访核实"),
        (NOW, "seat1001", "seat", "read_ticket", "T3", "citizen_address", ""),
    ]

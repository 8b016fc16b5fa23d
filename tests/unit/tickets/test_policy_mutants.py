"""DOMAIN.md §9 / issue 11 at the edges mutation testing of tickets/policy/ found unchecked: the
default of `audience`, the citizen's own data inside free text, the place and the title, and which
tickets a unit's relation, its unit tree and the phone search reach (an in-memory SQLite, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from tests.integration.tickets import pii
from tickets.actors import Actor
from tickets.errors import Forbidden
from tickets.models import Assignment, Ticket, Unit
from tickets.policy import (
    PUBLIC,
    TABLE,
    Audience,
    Level,
    Relation,
    Viewer,
    audience,
    phone_search_clause,
    scope_clause,
    shown,
    unit_viewer,
    viewer_for,
)
from tickets.policy.scope import access_of, assignments_of
from tickets.privacy_text import HIDDEN, Masked
from tickets.vocab import AssignmentRole, Channel, Role, Status, TicketType, Urgency

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# The citizen's mobile read out in groups no number pattern knows: only the ticket's own number finds it.
ODD_SPACING = "13 912 345 678"


def test_audience_is_not_unmasked_unless_asked() -> None:
    # Unmasking is an explicit action with a reason (tickets.policy.unmask), never the default.
    assert audience(Role.SUPERVISOR, Relation.NONE) == Audience.CENTRE
    assert audience(Role.AUDITOR, Relation.NONE) == Audience.OVERSIGHT


def test_an_unmasked_viewer_gets_the_unmasked_row() -> None:
    supervisor = Viewer("sup1", Role.SUPERVISOR, "centre", unmasked=True)
    auditor = Viewer("aud1", Role.AUDITOR, "centre", unmasked=True)
    assert access_of(supervisor, Relation.NONE) is TABLE[Audience.UNMASKED]
    assert access_of(auditor, Relation.NONE) is TABLE[Audience.UNMASKED]
    assert access_of(Viewer("aud1", Role.AUDITOR, "centre"), Relation.NONE) is TABLE[Audience.OVERSIGHT]


def _ticket(content: str = pii.CONTENT, title: str | None = None, address: str = pii.ADDRESS) -> Ticket:
    return Ticket(
        ticket_no="12345-20261118-000001",
        channel=Channel.WEB,
        type=TicketType.COMPLAINT,
        urgency=Urgency.NORMAL,
        status=Status.REGISTERED,
        created_by="seat1001",
        title=content[:30] if title is None else title,
        content=content,
        location=pii.LOCATION,
        citizen_name=pii.NAME,
        citizen_phone=pii.MOBILE,
        citizen_address=address,
        created_at=NOW,
        updated_at=NOW,
    )


def test_an_address_without_house_numbers_is_hidden_whole_when_masked() -> None:
    # Nothing to cut to a street: a bare community name would be the address itself.
    assert shown.address(Level.MASKED, "阳光小区") == "***"


@pytest.mark.parametrize("level", [Level.MASKED, Level.HIDDEN])
def test_free_text_finds_the_citizens_own_name_and_number_from_the_ticket(level: Level) -> None:
    # 王先生 is the citizen's surname with a title (nobody in particular for jieba), and the number
    # in odd groups matches no pattern: both are found only because the ticket knows them.
    cut = HIDDEN if level == Level.HIDDEN else "***"
    name = HIDDEN if level == Level.HIDDEN else "王**"
    ticket = _ticket()
    assert shown.text(ticket, f"王先生来电,电话{ODD_SPACING}", level) == f"{name}来电,电话{cut}"
    assert shown.place(ticket, f"王先生家门口,电话{ODD_SPACING}", level) == f"{name}家门口,电话{cut}"


def test_masked_text_cuts_the_known_address_to_its_street() -> None:
    ticket = _ticket()
    assert shown.text(ticket, f"住{pii.ADDRESS}", Level.MASKED) == "住东城区和平里北街***"
    # Another address in the text: the house number and the building go, one *** for both.
    assert shown.text(ticket, "住幸福路88号阳光小区3栋", Level.MASKED) == "住幸福路阳光小区***"


def test_a_full_scan_keeps_the_text_and_still_names_the_kinds_for_the_audit_log() -> None:
    ticket = _ticket()
    assert shown.scan(ticket, pii.NOTE, Level.FULL) == Masked(
        pii.NOTE, frozenset({"name", "mobile", "landline", "address"})
    )


def test_kinds_are_gathered_over_every_value() -> None:
    assert shown.kinds(_ticket(), ["王先生来电", None, "路灯不亮"]) == {"name"}


def test_a_title_cut_from_the_content_masks_the_citizens_known_data() -> None:
    content = f"王先生反映{pii.ADDRESS}门口路灯不亮。"
    ticket = _ticket(content=content, title=content[:20])
    assert shown.title(ticket, Level.MASKED) == "王**反映东城区和平里北街***门口路灯不亮"
    # Hidden: the known address goes whole, not only its house numbers.
    assert shown.title(ticket, Level.HIDDEN) == f"{HIDDEN}反映{HIDDEN}门口路灯不亮"


def test_titles_of_empty_tickets_stay_empty() -> None:
    assert shown.title(_ticket(content="", title=""), Level.MASKED) == ""
    # A seat's title over an empty content is the seat's title, masked; nothing is derived.
    assert shown.title(_ticket(content="", title="XX"), Level.MASKED) == "XX"


# --- scope: the unit tree, viewers, assignments and the phone search (SQLite in memory) ---


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    tables = SQLModel.metadata.tables
    SQLModel.metadata.create_all(engine, tables=[tables["units"], tables["tickets"], tables["assignments"]])
    with Session(engine) as session:
        # centre → d-dc (district) → s-dc (its street office); dept-water beside the district;
        # loop-a ↔ loop-b: a cycle in bad data.
        for code, parent in (
            ("centre", None),
            ("d-dc", "centre"),
            ("s-dc", "d-dc"),
            ("dept-water", "centre"),
            ("loop-a", "loop-b"),
            ("loop-b", "loop-a"),
        ):
            session.add(
                Unit(code=code, name=code, tier=1, kind="district", parent_code=parent, duty_phone="1")
            )
        # C1: a complaint against d-dc led by s-dc; C2: a complaint against nobody led by s-dc;
        # H1: help led by s-dc, assisted by dept-water; H2: help once led by s-dc, sent back;
        # H3: help where dept-water holds two active turns (lead, then assist).
        for no, kind, against in (
            ("C1", TicketType.COMPLAINT, "d-dc"),
            ("C2", TicketType.COMPLAINT, None),
            ("R1", TicketType.REPORT, "d-dc"),
            ("H1", TicketType.HELP, "d-dc"),
            ("H2", TicketType.HELP, None),
            ("H3", TicketType.HELP, None),
        ):
            session.add(
                Ticket(
                    ticket_no=no,
                    channel=Channel.PHONE,
                    type=kind,
                    urgency=Urgency.NORMAL,
                    status=Status.DISPATCHED,
                    created_by="seat1001",
                    complained_unit_code=against,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.flush()
        ids = {t.ticket_no: t.id for t in session.exec(select(Ticket)).all()}
        lead, assist = AssignmentRole.LEAD, AssignmentRole.ASSIST
        for no, unit, role, active in (
            ("C1", "s-dc", lead, True),
            ("C2", "s-dc", lead, True),
            ("R1", "s-dc", lead, True),
            ("H1", "s-dc", lead, True),
            ("H1", "dept-water", assist, True),
            ("H2", "s-dc", lead, False),
            ("H3", "dept-water", lead, True),
            ("H3", "dept-water", assist, True),
        ):
            ticket_id = ids[no]
            assert ticket_id is not None
            session.add(
                Assignment(ticket_id=ticket_id, unit_code=unit, role=role, active=active, assigned_at=NOW)
            )
        session.commit()
    yield engine
    engine.dispose()


def _nos(engine: Engine, clause: object) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Ticket.ticket_no).where(clause)).all())  # type: ignore[arg-type]


def _ids(session: Session) -> dict[str, int]:
    return {t.ticket_no: t.id for t in session.exec(select(Ticket)).all() if t.id is not None}


def test_a_units_viewer_carries_its_unit_and_every_unit_above_it(engine: Engine) -> None:
    with Session(engine) as session:
        street = viewer_for(session, Actor("unit-s", Role.UNIT_HANDLER, "s-dc"))
        assert street == Viewer("unit-s", Role.UNIT_HANDLER, "s-dc", ("s-dc", "d-dc", "centre"))
        assert unit_viewer(session, "s-dc") == Viewer(
            "unit:s-dc", Role.UNIT_HANDLER, "s-dc", ("s-dc", "d-dc", "centre")
        )
        # A cycle in bad data ends the walk instead of looping.
        assert unit_viewer(session, "loop-a").unit_chain == ("loop-a", "loop-b")
        # A unit missing from the table is its own chain.
        assert unit_viewer(session, "gone").unit_chain == ("gone",)
        # The centre's roles have no chain, whatever unit code their account carries; nobody is PUBLIC.
        assert viewer_for(session, Actor("seat1001", Role.SEAT, "d-dc")) == Viewer(
            "seat1001", Role.SEAT, "d-dc"
        )
        assert viewer_for(session, Actor("unit-x", Role.UNIT_HANDLER, None)) == Viewer(
            "unit-x", Role.UNIT_HANDLER, None
        )
        assert viewer_for(session, None) is PUBLIC


def test_assignments_of_reads_only_the_asked_tickets_and_lead_wins(engine: Engine) -> None:
    with Session(engine) as session:
        ids = _ids(session)
        water = unit_viewer(session, "dept-water")
        assert assignments_of(session, water, [ids["H3"]]) == {ids["H3"]: AssignmentRole.LEAD}
        assert assignments_of(session, water, [ids["H1"], ids["H3"]]) == {
            ids["H1"]: AssignmentRole.ASSIST,
            ids["H3"]: AssignmentRole.LEAD,
        }
        # The role decides, not the unit code an account carries: a seat has no assignments.
        assert assignments_of(session, Viewer("seat1001", Role.SEAT, "dept-water"), [ids["H3"]]) == {}


def test_the_public_sees_no_ticket_through_the_scope_clause(engine: Engine) -> None:
    # The disclosure page has its own query (consented, closed tickets); the scope clause gives nothing.
    assert _nos(engine, scope_clause(PUBLIC)) == set()


def test_the_centre_may_search_by_phone_among_every_ticket(engine: Engine) -> None:
    for role in (Role.SEAT, Role.SUPERVISOR, Role.SYSTEM):
        assert _nos(engine, phone_search_clause(Viewer("c", role, "centre"))) == {
            "C1",
            "C2",
            "R1",
            "H1",
            "H2",
            "H3",
        }


@pytest.mark.parametrize(
    "viewer",
    [
        PUBLIC,
        Viewer("aud1", Role.AUDITOR, "centre"),
        Viewer("adm1", Role.ADMIN, "centre"),
        Viewer("unit-x", Role.UNIT_HANDLER, None),
    ],
)
def test_who_may_not_search_by_phone_is_refused(viewer: Viewer) -> None:
    with pytest.raises(Forbidden, match=r"^无权按来电号码查询$"):
        phone_search_clause(viewer)


def test_a_unit_searches_by_phone_only_its_lead_tickets_not_hiding_the_caller_from_it(engine: Engine) -> None:
    with Session(engine) as session:
        street = unit_viewer(session, "s-dc")
        water = unit_viewer(session, "dept-water")
        district = unit_viewer(session, "d-dc")
    # s-dc is below d-dc, complained about in C1 and R1: those never confirm a caller to it. H1 is
    # led by s-dc although it names d-dc (help hides nobody); H2 was sent back.
    assert _nos(engine, phone_search_clause(street)) == {"C2", "H1"}
    # dept-water assists H1 (masked there): only H3, which it leads.
    assert _nos(engine, phone_search_clause(water)) == {"H3"}
    assert _nos(engine, phone_search_clause(district)) == set()
    # Outside the tree complained about, a complaint it leads is searchable.
    outside = Viewer("unit-o", Role.UNIT_HANDLER, "s-dc", ("s-dc", "other"))
    assert _nos(engine, phone_search_clause(outside)) == {"C1", "C2", "R1", "H1"}


def test_a_title_from_a_long_unbroken_first_sentence_is_the_title_of_the_whole_content() -> None:
    # The title is derived from the content's head only (speed); with a mask in a first sentence
    # longer than the head, the head and the whole content gave titles of different lengths.
    content = "居民反映楼道里的灯坏了很久电话13812345678一直没人来修理" + "非常着急" * 100 + "。"
    ticket = _ticket(content=content)
    assert shown.title(ticket, Level.MASKED) == "居民反映楼道里的灯坏了很久电话138****5678一直没人…"

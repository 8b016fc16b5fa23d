"""督办 (000 §23, §24; DOMAIN.md §5): the levels at their exact edges, and the due board on an
in-memory SQLite."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, SQLModel, col, create_engine, select

from core.settings import Settings, TicketRules
from tickets.deadlines import END_OF_DAY, WorkCalendar
from tickets.models import CalendarOverride, Ticket, TicketEvent, Unit
from tickets.policy import Viewer
from tickets.supervision import STEPS, SupervisionStep, UnitBoard, due_board, due_level, run_supervision
from tickets.vocab import UNIT_STATUSES, Channel, Role, Status, TicketType, Urgency

SUPERVISOR_VIEW = Viewer("supervisor", Role.SUPERVISOR, "centre")

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
# Dispatched Wed Nov 18 10:00, due Fri Nov 20 23:59:59: 61 h 59 m 59 s of completion time.
START = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
DUE = datetime(2026, 11, 20, 23, 59, 59, tzinfo=TZ)
# 000 §24: escalated when still not replied one working day after the deadline: end of Mon Nov 23.
ESCALATE = datetime(2026, 11, 23, 23, 59, 59, tzinfo=TZ)
SECOND = timedelta(seconds=1)


def _ticket(dispatched: datetime | None = START, due: datetime | None = DUE) -> Ticket:
    return Ticket(
        ticket_no="T-1",
        channel=Channel.PHONE,
        type=TicketType.HELP,
        urgency=Urgency.NORMAL,
        status=Status.SIGNED,
        created_by="seat1001",
        created_at=START,
        updated_at=START,
        dispatched_at=dispatched,
        complete_due=due,
    )


def _level(now: datetime, fraction: float = 0.8, ticket: Ticket | None = None) -> int:
    settings = Settings(rules=TicketRules(supervision_warn_fraction=fraction))
    return due_level(ticket or _ticket(), now.astimezone(UTC), settings, CAL)


def test_the_reminder_comes_when_the_warn_fraction_of_the_time_is_used() -> None:
    warn_at = START + (DUE - START) * 0.8
    assert _level(warn_at - SECOND) == 0
    assert _level(warn_at) == 1
    assert _level(DUE) == 1  # the last second of the deadline is not yet late
    # The fraction is the city's setting, not a constant.
    half = START + (DUE - START) * 0.5
    assert _level(half, fraction=0.5) == 1 and _level(half - SECOND, fraction=0.5) == 0


def test_past_the_deadline_a_written_notice_then_escalation_after_one_working_day() -> None:
    assert _level(DUE + SECOND) == 2
    assert _level(datetime(2026, 11, 22, 12, 0, tzinfo=TZ)) == 2  # the weekend does not count
    assert _level(ESCALATE) == 2
    assert _level(ESCALATE + SECOND) == 3


def test_a_ticket_without_its_clocks_is_not_supervised() -> None:
    late = datetime(2026, 12, 1, tzinfo=TZ)
    assert _level(late, ticket=_ticket(dispatched=None)) == 0
    assert _level(late, ticket=_ticket(due=None)) == 0


@pytest.mark.parametrize(
    ("level", "action", "note"),
    [
        (1, "supervision_reminder", "系统提醒"),
        (2, "supervision_notice", "书面督办"),
        (3, "supervision_escalation", "通报"),
    ],
)
def test_each_level_has_its_own_history_action(level: int, action: str, note: str) -> None:
    assert STEPS[level][0] == action
    assert note in STEPS[level][1]


# ---- the wallboard's due board (000 §23: overdue and soon-due tickets, per unit) -----------------

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=TZ)
HOUR = timedelta(hours=1)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    tables = SQLModel.metadata.tables
    SQLModel.metadata.create_all(engine, tables=[tables["units"], tables["tickets"]])
    with Session(engine) as session:
        for code, name, tier in (
            ("z-centre", "备用中心", 1),
            ("centre", "市12345热线中心", 1),
            ("dept-env", "市生态环境局", 2),
            ("dept-urban", "市城市管理局", 2),
            ("u-water", "市自来水公司", 2),
        ):
            session.add(Unit(code=code, name=name, tier=tier, kind="department", duty_phone="110"))
        session.commit()
        yield session
    engine.dispose()


def _add(
    session: Session,
    no: str,
    *,
    unit: str | None = None,
    status: Status = Status.SIGNED,
    complete_due: datetime | None = None,
    dispatch_due: datetime | None = None,
    urgency: Urgency = Urgency.NORMAL,
    level: int = 0,
) -> None:
    session.add(
        Ticket(
            ticket_no=no,
            channel=Channel.PHONE,
            type=TicketType.HELP,
            urgency=urgency,
            status=status,
            title=f"标题{no}",
            created_by="seat1001",
            created_at=START,
            updated_at=START,
            lead_unit_code=unit,
            complete_due=complete_due,
            dispatch_due=dispatch_due,
            supervision_level=level,
        )
    )
    session.commit()


def _summary(boards: list[UnitBoard]) -> list[tuple[str, str, list[str], list[str]]]:
    return [
        (b.unit_code, b.unit_name, [i.ticket_no for i in b.overdue], [i.ticket_no for i in b.due_soon])
        for b in boards
    ]


def test_the_board_splits_overdue_from_soon_due_at_now(session: Session) -> None:
    _add(session, "late", unit="dept-urban", complete_due=NOW - SECOND, level=2)
    _add(session, "now", unit="dept-urban", complete_due=NOW)  # due this second: not late yet
    _add(session, "edge", unit="dept-urban", complete_due=NOW + 24 * HOUR)  # the last second of "soon"
    _add(session, "far", unit="dept-urban", complete_due=NOW + 24 * HOUR + SECOND)
    assert _summary(due_board(session, SUPERVISOR_VIEW, NOW.astimezone(UTC))) == [
        ("dept-urban", "市城市管理局", ["late"], ["now", "edge"])
    ]
    (board,) = due_board(session, SUPERVISOR_VIEW, NOW.astimezone(UTC), soon=48 * HOUR)
    assert [i.ticket_no for i in board.due_soon] == ["now", "edge", "far"]
    (late,) = board.overdue
    assert (late.title, late.status, late.urgency, late.clock, late.supervision_level) == (
        "标题late",
        "signed",
        "一般",
        "complete",
        2,
    )
    assert late.due == NOW - SECOND


def test_only_tickets_a_unit_holds_are_on_its_board(session: Session) -> None:
    due = NOW - HOUR
    for status in Status:
        _add(session, f"t-{status.value}", unit="dept-env", status=status, complete_due=due)
    _add(session, "no-unit", status=Status.SIGNED, complete_due=due)
    _add(session, "no-due", unit="dept-env", status=Status.SIGNED)
    (board,) = due_board(session, SUPERVISOR_VIEW, NOW)
    expected = sorted(f"t-{s.value}" for s in Status if s in UNIT_STATUSES)
    assert sorted(i.ticket_no for i in board.overdue) == expected


def test_urgent_tickets_waiting_for_dispatch_show_under_the_first_centre(session: Session) -> None:
    # 001 三(三)2: the centre itself is late when an urgent ticket is not dispatched in time.
    _add(session, "wait", status=Status.REGISTERED, dispatch_due=NOW - HOUR, urgency=Urgency.URGENT)
    _add(session, "soon", status=Status.REGISTERED, dispatch_due=NOW + HOUR, urgency=Urgency.MAJOR)
    _add(session, "normal", status=Status.REGISTERED)
    _add(session, "gone", status=Status.DISPATCHED, dispatch_due=NOW - HOUR, unit="dept-env")
    (board,) = due_board(session, SUPERVISOR_VIEW, NOW)
    assert _summary([board]) == [("centre", "市12345热线中心", ["wait"], ["soon"])]
    assert [(i.clock, i.due) for i in board.overdue] == [("dispatch", NOW - HOUR)]


def test_the_most_overdue_units_come_first(session: Session) -> None:
    _add(session, "e1", unit="dept-env", complete_due=NOW - 3 * HOUR)
    _add(session, "u1", unit="dept-urban", complete_due=NOW - 2 * HOUR)
    _add(session, "u2", unit="dept-urban", complete_due=NOW - 4 * HOUR)
    _add(session, "w1", unit="u-water", complete_due=NOW + HOUR)
    _add(session, "w2", unit="u-water", complete_due=NOW + 2 * HOUR)
    _add(session, "x1", unit="dept-gone", complete_due=NOW + HOUR)  # a unit no longer listed
    _add(session, "e2", unit="dept-env", complete_due=NOW + 3 * HOUR)
    assert _summary(due_board(session, SUPERVISOR_VIEW, NOW)) == [
        ("dept-urban", "市城市管理局", ["u2", "u1"], []),  # two overdue, the oldest first
        ("dept-env", "市生态环境局", ["e1"], ["e2"]),
        ("u-water", "市自来水公司", [], ["w1", "w2"]),
        ("dept-gone", "dept-gone", [], ["x1"]),  # named by its code
    ]


# ---- the scheduler (000 §23, §24): each step once, in order, in the ticket's history --------------


@pytest.fixture
def db() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Unit(code="dept-urban", name="市城市管理局", tier=2, kind="department", duty_phone="110"))
        session.commit()
        yield session
    engine.dispose()


def _working(session: Session, no: str, status: Status = Status.CONTACTED, level: int = 0) -> None:
    _add(session, no, unit="dept-urban", status=status, complete_due=DUE, level=level)
    ticket = session.exec(select(Ticket).where(Ticket.ticket_no == no)).one()
    # Contacted already: only the completion clock runs (the response clock is done).
    ticket.dispatched_at, ticket.first_contact_at = START, START
    session.add(ticket)
    session.commit()


def _events(session: Session, no: str) -> list[tuple[str, str, str | None, str, str | None, str]]:
    ticket = session.exec(select(Ticket).where(Ticket.ticket_no == no)).one()
    rows = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id))
    )
    return [(e.action, e.actor, e.unit_code, e.note, e.from_status, e.data) for e in rows]


def test_a_late_scheduler_writes_every_missed_step_in_order_once(db: Session) -> None:
    _working(db, "T-1")
    settings = Settings()
    steps = run_supervision(db, settings, (ESCALATE + SECOND).astimezone(UTC))
    db.commit()
    assert steps == [
        SupervisionStep("T-1", 1, "supervision_reminder"),
        SupervisionStep("T-1", 2, "supervision_notice"),
        SupervisionStep("T-1", 3, "supervision_escalation"),
    ]
    assert [(a, actor, unit, f, data) for a, actor, unit, _, f, data in _events(db, "T-1")] == [
        ("supervision_reminder", "system", "dept-urban", "contacted", '{"level": 1}'),
        ("supervision_notice", "system", "dept-urban", "contacted", '{"level": 2}'),
        ("supervision_escalation", "system", "dept-urban", "contacted", '{"level": 3}'),
    ]
    assert [note for _, _, _, note, _, _ in _events(db, "T-1")] == [STEPS[1][1], STEPS[2][1], STEPS[3][1]]
    assert db.exec(select(Ticket)).one().supervision_level == 3
    # Nothing is written twice.
    assert run_supervision(db, settings, (ESCALATE + 10 * SECOND).astimezone(UTC)) == []


def test_the_scheduler_moves_a_ticket_only_up_to_its_level_now(db: Session) -> None:
    _working(db, "T-1", level=1)
    _working(db, "T-2", status=Status.REPLIED)  # replied: the unit's clock stopped
    steps = run_supervision(db, Settings(), (DUE + SECOND).astimezone(UTC))
    db.commit()
    assert steps == [SupervisionStep("T-1", 2, "supervision_notice")]
    assert [e[0] for e in _events(db, "T-1")] == ["supervision_notice"]
    assert _events(db, "T-2") == []
    levels = {t.ticket_no: t.supervision_level for t in db.exec(select(Ticket))}
    assert levels == {"T-1": 2, "T-2": 0}


def test_a_ticket_whose_calendar_is_unknown_is_skipped_not_fatal(db: Session) -> None:
    # Due on New Year's Eve 2026: one working day later is in 2027, which no calendar knows yet.
    _add(db, "T-2027", unit="dept-urban", complete_due=datetime(2026, 12, 31, 23, 59, 59, tzinfo=TZ))
    _working(db, "T-1")
    ticket = db.exec(select(Ticket).where(Ticket.ticket_no == "T-2027")).one()
    ticket.dispatched_at, ticket.first_contact_at = START, START
    db.add(ticket)
    db.commit()
    steps = run_supervision(db, Settings(), datetime(2027, 1, 2, 9, 0, tzinfo=TZ).astimezone(UTC))
    assert [(s.ticket_no, s.level) for s in steps] == [("T-1", 1), ("T-1", 2), ("T-1", 3)]


def test_the_other_clocks_steps_are_reported_with_their_clock(db: Session) -> None:
    # Not contacted yet: the response clock (003 §11(三), 1 working day) runs beside the completion one.
    _add(db, "T-1", unit="dept-urban", complete_due=DUE)
    ticket = db.exec(select(Ticket).where(Ticket.ticket_no == "T-1")).one()
    ticket.dispatched_at, ticket.response_due = START, datetime(2026, 11, 19, 23, 59, 59, tzinfo=TZ)
    db.add(ticket)
    db.commit()
    steps = run_supervision(db, Settings(), datetime(2026, 11, 20, 9, 0, tzinfo=TZ).astimezone(UTC))
    assert [s for s in steps if s.clock == "response"] == [
        SupervisionStep("T-1", 1, "supervision_response_reminder", "response"),
        SupervisionStep("T-1", 2, "supervision_response_notice", "response"),
    ]


def test_a_ticket_with_an_unknown_calendar_does_not_stop_the_others(
    db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    # The city knows 12-20 Jan 2027 only: the day after 10 Jan is unknown, the day after 14 Jan is not.
    for n in range(12, 21):
        db.add(CalendarOverride(day=date(2027, 1, n), workday=True))
    for no, due in (("T-unknown", date(2027, 1, 10)), ("T-known", date(2027, 1, 14))):
        _add(db, no, unit="dept-urban", complete_due=datetime.combine(due, END_OF_DAY, tzinfo=TZ))
        ticket = db.exec(select(Ticket).where(Ticket.ticket_no == no)).one()
        ticket.dispatched_at, ticket.first_contact_at = START, START
        db.add(ticket)
    db.commit()
    with caplog.at_level(logging.ERROR, logger="tickets.supervision"):
        steps = run_supervision(db, Settings(), datetime(2027, 1, 20, 9, 0, tzinfo=TZ).astimezone(UTC))
    assert [(s.ticket_no, s.level) for s in steps] == [("T-known", 1), ("T-known", 2), ("T-known", 3)]
    (record,) = caplog.records
    assert record.getMessage().startswith("supervision: T-unknown skipped: 2027-01-11 不在已知节假日日历内")


def test_undispatched_urgent_tickets_show_only_within_the_window_and_need_a_centre(session: Session) -> None:
    _add(session, "edge", status=Status.REGISTERED, dispatch_due=NOW + 24 * HOUR, urgency=Urgency.URGENT)
    _add(session, "later", status=Status.REGISTERED, dispatch_due=NOW + 25 * HOUR, urgency=Urgency.URGENT)
    assert _summary(due_board(session, SUPERVISOR_VIEW, NOW)) == [("centre", "市12345热线中心", [], ["edge"])]
    # Without a centre unit in the directory there is nowhere to show them (and no crash).
    for unit in session.exec(select(Unit).where(Unit.tier == 1)).all():
        session.delete(unit)
    session.commit()
    assert due_board(session, SUPERVISOR_VIEW, NOW) == []

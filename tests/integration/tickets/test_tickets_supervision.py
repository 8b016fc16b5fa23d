"""督办 scheduler (000 §23): reminder → notice → escalation, each in the history, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from tests.integration.tickets.helpers import SUPERVISOR, URBAN, Journey
from tickets import policy, queries, supervision
from tickets.actions import decisions, unit_work
from tickets.models import Ticket, TicketEvent
from tickets.schemas import Decision, ExtensionRequest, Note

SUPERVISOR_VIEW = policy.Viewer(SUPERVISOR.username, SUPERVISOR.role, SUPERVISOR.unit_code)

TZ = ZoneInfo("Asia/Shanghai")
# Help request dispatched Wed Nov 18 10:00: 2 working days → due Fri Nov 20 23:59:59.
DISPATCHED = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)


def run(j: Journey, now: datetime) -> list[supervision.SupervisionStep]:
    """The completion clock's steps (the other clocks: test_tickets_supervision_clocks.py)."""
    with j.db.session() as s:
        return [st for st in supervision.run_supervision(s, j.settings, now) if st.clock == "complete"]


def history(j: Journey, no: str) -> list[str]:
    with j.db.session() as s:
        t = queries.load(s, no)
        rows = s.exec(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)).all()  # type: ignore[arg-type]
        return [e.action for e in rows if e.action in {a for a, _ in supervision.STEPS.values()}]


def test_steps_follow_the_clock_and_are_written_once(journey: Journey) -> None:
    no = journey.dispatched(DISPATCHED)
    # 80 % of the ~62 h is used at about Fri 11:40; Thursday is too early.
    assert run(journey, datetime(2026, 11, 19, 12, 0, tzinfo=TZ)) == []
    steps = run(journey, datetime(2026, 11, 20, 16, 0, tzinfo=TZ))
    assert [(s.ticket_no, s.level, s.action) for s in steps] == [(no, 1, "supervision_reminder")]
    assert run(journey, datetime(2026, 11, 20, 17, 0, tzinfo=TZ)) == []  # not twice
    # Overdue on Saturday: written notice.
    assert [s.action for s in run(journey, datetime(2026, 11, 21, 9, 0, tzinfo=TZ))] == ["supervision_notice"]
    # Still overdue after the next working day (Mon Nov 23): escalation.
    assert run(journey, datetime(2026, 11, 23, 20, 0, tzinfo=TZ)) == []
    assert [s.action for s in run(journey, datetime(2026, 11, 24, 0, 30, tzinfo=TZ))] == [
        "supervision_escalation"
    ]
    assert run(journey, datetime(2026, 12, 1, tzinfo=TZ)) == []
    assert history(journey, no) == ["supervision_reminder", "supervision_notice", "supervision_escalation"]


def test_a_late_scheduler_still_writes_every_step_in_order(journey: Journey) -> None:
    no = journey.dispatched(DISPATCHED)
    steps = run(journey, datetime(2026, 12, 1, tzinfo=TZ))
    assert [s.level for s in steps] == [1, 2, 3]
    assert history(journey, no) == ["supervision_reminder", "supervision_notice", "supervision_escalation"]


def test_replied_tickets_are_left_alone(journey: Journey) -> None:
    journey.replied(DISPATCHED)
    assert run(journey, datetime(2026, 12, 1, tzinfo=TZ)) == []


def test_an_approved_extension_resets_supervision(journey: Journey) -> None:
    no = journey.dispatched(DISPATCHED)
    with journey.db.session() as s:
        unit_work.sign(s, URBAN, no, Note(), journey.ctx(DISPATCHED + timedelta(minutes=5)))
        unit_work.ask_extension(
            s, URBAN, no, ExtensionRequest(days=5, reason="需要协调"), journey.ctx(DISPATCHED)
        )
        decisions.decide_extension(s, SUPERVISOR, no, Decision(approve=True), journey.ctx(DISPATCHED))
    # New deadline Fri Nov 27: Saturday Nov 21 is no longer overdue.
    assert run(journey, datetime(2026, 11, 21, 9, 0, tzinfo=TZ)) == []


def test_due_board_groups_overdue_and_soon_due_by_unit(journey: Journey) -> None:
    late = journey.dispatched(DISPATCHED)
    soon = journey.dispatched(DISPATCHED + timedelta(days=1), unit="dept-env")
    journey.dispatched(DISPATCHED + timedelta(days=6))  # far from due
    now = datetime(2026, 11, 21, 9, 0, tzinfo=TZ)
    with journey.db.session() as s:
        board = supervision.due_board(s, SUPERVISOR_VIEW, now, timedelta(days=3))
        # Soon: dept-env's ticket of Thu Nov 19 is due Mon Nov 23.
        assert [
            (b.unit_code, [i.ticket_no for i in b.overdue], [i.ticket_no for i in b.due_soon]) for b in board
        ] == [
            ("dept-urban", [late], []),
            ("dept-env", [], [soon]),
        ]
        assert board[0].unit_name == "市城市管理局"
        assert (board[0].overdue[0].clock, board[1].due_soon[0].clock) == ("complete", "complete")
        assert s.exec(select(Ticket).where(Ticket.ticket_no == late)).one().supervision_level == 0


def test_undispatched_urgent_tickets_show_under_the_centre(journey: Journey) -> None:
    created = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
    urgent = journey.create(created, urgency="紧急")
    journey.create(created)  # a normal ticket has no dispatch clock
    with journey.db.session() as s:
        board = supervision.due_board(s, SUPERVISOR_VIEW, created + timedelta(minutes=20))
    assert [(b.unit_code, [(i.ticket_no, i.clock) for i in b.overdue]) for b in board] == [
        ("centre", [(urgent, "dispatch")])
    ]
    assert board[0].overdue[0].due == created + timedelta(minutes=15)

"""Migration 0004: the vocabulary columns become enum columns and keep the rows they held."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.settings import Settings
from tests.integration.tickets.helpers import SEAT, SUPERVISOR, T0, URBAN, Journey
from tickets import queries
from tickets.actions import decisions, unit_work
from tickets.db import Database
from tickets.migrate import alembic_config, seed_demo, upgrade
from tickets.models import Assignment, AuditLog, KbArticle, TicketEvent, User
from tickets.schemas import ReturnDecision, ReturnRequest
from tickets.vocab import AssignmentRole, Channel, KbStatus, Role, Status, TicketType, Urgency

PREVIOUS = "0003"
# Later migrations (0005 ...) run on top: the upgrade from 0003 goes all the way.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def _version(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


@pytest.fixture
def old_db(settings: Settings, tickets_url: str) -> Database:
    """A database at the previous head holding a city's directory and a few tickets' history."""
    upgrade(tickets_url, PREVIOUS)
    old = settings.model_copy(update={"database_url": tickets_url})
    seed_demo(old)
    return Database(tickets_url, pool_size=2)


def test_upgrade_keeps_the_rows_and_reads_them_back_as_enums(old_db: Database, settings: Settings) -> None:
    j = Journey(old_db, settings.model_copy(update={"database_url": old_db.url}))
    closed = j.closed()
    waiting = j.dispatched(T0, "dept-urban", type="投诉", urgency="紧急", channel="wechat")
    with old_db.session() as s:
        unit_work.ask_return(
            s, URBAN, waiting, ReturnRequest(reason="非本单位职责"), j.ctx(T0 + timedelta(minutes=5))
        )
        queries.detail(s, SEAT, closed, j.ctx(T0 + timedelta(hours=3)))  # an audited read
    assert _version(old_db) == PREVIOUS
    with old_db.engine.connect() as conn:
        raw = conn.execute(text("SELECT status, type, urgency, channel FROM tickets ORDER BY id")).all()
    assert [tuple(r) for r in raw] == [
        ("closed", "求助", "一般", "phone"),
        ("return_requested", "投诉", "紧急", "wechat"),
    ]
    old_db.dispose()

    upgrade(old_db.url)
    db = Database(old_db.url, pool_size=2)
    try:
        assert _version(db) == HEAD
        with db.session() as s:
            first, second = queries.load(s, closed), queries.load(s, waiting)
            assert (first.status, first.type, first.urgency, first.channel) == (
                Status.CLOSED,
                TicketType.HELP,
                Urgency.NORMAL,
                Channel.PHONE,
            )
            assert type(first.status) is Status and type(first.channel) is Channel
            assert (second.status, second.type, second.urgency, second.channel) == (
                Status.RETURN_REQUESTED,
                TicketType.COMPLAINT,
                Urgency.URGENT,
                Channel.WECHAT,
            )
            assert second.status_before_return is Status.DISPATCHED
            events = s.exec(select(TicketEvent).order_by(col(TicketEvent.id))).all()
            assert len(events) == 10
            assert all(type(e.role) is Role for e in events)
            assert all(e.to_status is None or type(e.to_status) is Status for e in events)
            assert [e.to_status for e in events if e.ticket_id == first.id][-1] is Status.CLOSED
            roles = {a.role for a in s.exec(select(Assignment)).all()}
            assert roles == {AssignmentRole.LEAD}
            users = {u.username: u.role for u in s.exec(select(User)).all()}
            assert users["supervisor"] is Role.SUPERVISOR and users["unit-dept-urban"] is Role.UNIT_HANDLER
            assert [a.role for a in s.exec(select(AuditLog)).all()] == [Role.SEAT]
            assert {k.status for k in s.exec(select(KbArticle)).all()} == {KbStatus.APPROVED}
        # The old rows carry on through the actions.
        with db.session() as s:
            refused = ReturnDecision(approve=False, note="请继续办理")
            decisions.decide_return(s, SUPERVISOR, waiting, refused, j.ctx(T0 + timedelta(hours=1)))
        with db.session() as s:
            assert queries.load(s, waiting).status is Status.DISPATCHED
        # And the database now refuses a value outside the vocabulary.
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE tickets SET status = 'lost' WHERE ticket_no = :no"), {"no": closed})
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE users SET role = 'root' WHERE username = 'admin'"))
    finally:
        db.dispose()


def test_upgrade_refuses_a_value_outside_the_vocabulary_and_changes_nothing(
    old_db: Database, settings: Settings
) -> None:
    j = Journey(old_db, settings.model_copy(update={"database_url": old_db.url}))
    no = j.create()
    with old_db.engine.begin() as conn:
        conn.execute(text("UPDATE tickets SET channel = 'fax' WHERE ticket_no = :no"), {"no": no})
    old_db.dispose()
    with pytest.raises(RuntimeError, match=r"tickets\.channel = 'fax'"):
        upgrade(old_db.url)
    db = Database(old_db.url, pool_size=1)
    try:
        assert _version(db) == PREVIOUS
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT channel FROM tickets")).scalar_one() == "fax"
    finally:
        db.dispose()

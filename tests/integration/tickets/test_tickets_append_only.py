"""The append-only guard belongs to the project's sessions (`tickets.db`), not to the process."""

from __future__ import annotations

import pytest
import sqlalchemy.orm
import sqlmodel
from sqlmodel import col, select

from tests.integration.tickets.helpers import SEAT, T0, Journey
from tickets import queries
from tickets.db import Database, session_factory
from tickets.models import AppendOnlyViolation, AuditLog, TicketEvent


def _first_event(s: sqlmodel.Session) -> TicketEvent:
    event = s.exec(select(TicketEvent).order_by(col(TicketEvent.id))).first()
    assert event is not None
    return event


def test_a_project_session_refuses_to_change_or_delete_history(journey: Journey) -> None:
    no = journey.dispatched()
    with journey.db.session() as s:
        queries.detail(s, SEAT, no, journey.ctx(T0))
    with pytest.raises(AppendOnlyViolation, match="TicketEvent"), journey.db.session() as s:
        _first_event(s).note = "tampered"
        s.flush()
    with pytest.raises(AppendOnlyViolation, match="TicketEvent"), journey.db.session() as s:
        s.delete(_first_event(s))
        s.flush()
    with pytest.raises(AppendOnlyViolation, match="AuditLog"), journey.db.session() as s:
        s.exec(select(AuditLog)).one().note = "tampered"
        s.flush()
    # Another factory over the same engine carries the guard too: it is the project's way in.
    with session_factory(journey.db.engine)() as s, pytest.raises(AppendOnlyViolation):
        s.delete(_first_event(s))
        s.flush()
    with journey.db.session() as s:
        assert _first_event(s).note == ""
        assert s.exec(select(AuditLog)).one().note == ""


def test_sessions_made_elsewhere_in_the_process_are_not_affected(journey: Journey) -> None:
    """Importing tickets (and opening a Database) attaches nothing to SQLAlchemy's own sessions."""
    no = journey.dispatched()
    other = Database(journey.db.url, pool_size=1)  # one more project factory in the process
    try:
        with sqlalchemy.orm.Session(journey.db.engine) as s:
            event = s.execute(sqlalchemy.select(TicketEvent).order_by(col(TicketEvent.id))).scalars().first()
            assert event is not None
            event.note = "rewritten by another program"
            s.commit()
        with sqlmodel.Session(journey.db.engine) as s:
            s.delete(s.exec(select(TicketEvent).where(TicketEvent.action == "dispatch")).one())
            s.commit()
    finally:
        other.dispose()
    with journey.db.session() as s:
        ticket = queries.load(s, no)
        rows = s.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
        assert [(e.action, e.note) for e in rows] == [("register", "rewritten by another program")]

"""Ticket numbers: `12345-YYYYMMDD-NNNNNN`, day in the centre's zone, one sequence per day.

The counter row is bumped with one atomic upsert (`INSERT .. ON CONFLICT DO UPDATE .. RETURNING`):
PostgreSQL row-locks it until commit, SQLite runs the whole transaction under its write lock
(BEGIN IMMEDIATE in `tickets.db`), so concurrent intakes never share a number.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from tickets.models import TicketCounter

PREFIX = "12345"


def next_ticket_no(session: Session, now: datetime, tz: ZoneInfo) -> str:
    day = now.astimezone(tz).strftime("%Y%m%d")
    conn = session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    table = cast(Table, getattr(TicketCounter, "__table__"))  # noqa: B009  (SQLModel hides it from typing)
    stmt = (
        insert(table)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    seq = int(conn.execute(stmt).scalar_one())
    return f"{PREFIX}-{day}-{seq:06d}"

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session

from tickets.db import Database, normalise_url


def test_postgres_urls_mean_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


async def test_run_executes_off_the_event_loop_and_commits(db_url: str) -> None:
    db = Database(db_url, pool_size=2)
    try:
        loop_thread = threading.get_ident()

        def create(session: Session) -> int:
            session.exec(text("CREATE TABLE bridge_probe (v INTEGER)"))  # type: ignore[call-overload]
            session.exec(text("INSERT INTO bridge_probe VALUES (7)"))  # type: ignore[call-overload]
            return threading.get_ident()

        worker_thread = await db.run(create)
        assert worker_thread != loop_thread

        def read(session: Session) -> int:
            return int(session.exec(text("SELECT v FROM bridge_probe")).one()[0])  # type: ignore[call-overload]

        assert await db.run(read) == 7
    finally:
        db.dispose()


async def test_run_rolls_back_on_error(db_url: str) -> None:
    db = Database(db_url, pool_size=2)
    try:
        await db.run(lambda s: s.exec(text("CREATE TABLE rb_probe (v INTEGER)")))  # type: ignore[call-overload]

        def fail(session: Session) -> None:
            session.exec(text("INSERT INTO rb_probe VALUES (1)"))  # type: ignore[call-overload]
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await db.run(fail)
        count = await db.run(
            lambda s: s.exec(text("SELECT count(*) FROM rb_probe")).one()[0]  # type: ignore[call-overload]
        )
        assert count == 0
    finally:
        db.dispose()

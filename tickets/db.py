"""Database engine and the bridge from async code to blocking SQL.

SQLAlchemy sessions block, so async callers (AMI consumer, FastAGI, websockets) go through
`Database.run`, which executes the work on a bounded thread pool and never on the event loop.
Every session of the project comes from `session_factory`, which carries the append-only guard
of the history tables; nothing is attached to SQLAlchemy's sessions process-wide.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

from tickets.models import guard_append_only

T = TypeVar("T")

# How long a caller waits for the database before an error (core.settings.Settings.db_timeout_s).
DEFAULT_TIMEOUT_S = 5.0


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (psycopg2 is not installed)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, pool_size: int = 10, timeout_s: float = DEFAULT_TIMEOUT_S) -> Engine:
    """`timeout_s` bounds every wait for the database: connecting, a pooled connection, a lock."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # `timeout` is SQLite's busy timeout: how long a writer waits for another's write lock.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout_s})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the wallboard read while the ticket writer commits.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # SQLAlchemy, not pysqlite, decides where a transaction begins (see `_sqlite_begin`).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A deferred transaction that read first and writes later fails at once with
            # SQLITE_BUSY when another writer committed meanwhile (busy_timeout cannot help);
            # IMMEDIATE takes the write lock up front and waits for it instead.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # libpq counts its connect timeout in whole seconds, 2 at least; pre-ping replaces the
    # connections an outage broke, so the pool recovers by itself when the server is back.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=timeout_s,
        connect_args={"connect_timeout": max(2, math.ceil(timeout_s))},
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The project's sessions: SQLModel sessions that refuse to change the append-only history."""
    factory = sessionmaker(engine, class_=Session, expire_on_commit=False)
    event.listen(factory, "before_flush", guard_append_only)
    return factory


class Database:
    def __init__(self, url: str, pool_size: int = 10, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, pool_size, timeout_s)
        self._sessions = session_factory(self.engine)
        self._pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="db")

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Runs `fn(session)` in a transaction on the database thread pool."""

        def work() -> T:
            with self.session() as session:
                return fn(session)

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, work)

    def dispose(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.engine.dispose()

"""Caller history from the real ticket database (SQLite and PostgreSQL) routes real FastAGI calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from core.dialplan import VAR_ACTION, VAR_QUEUE, VAR_TICKET_HINT
from core.settings import Settings
from ivr.backend import database_caller_lookup
from tests.contract.ivr.asterisk_double import default_reply, environment, play_session, verb_of
from tests.contract.ivr.harness import running_ivr
from tickets.db import Database
from tickets.migrate import upgrade
from tickets.models import CallLink, Ticket, WatchEntry

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class People:
    """Numbers unique to one test: the PostgreSQL database is shared by the whole session."""

    watched: str
    repeat: str
    ticket_no: str


@pytest.fixture
def people() -> People:
    n = uuid.uuid4().int % 10**8
    return People(f"139{n:08d}", f"138{n:08d}", f"T-20261120-{n:08d}")


@pytest.fixture
def db(db_url: str, people: People) -> Iterator[Database]:
    upgrade(db_url)
    database = Database(db_url, pool_size=2)
    with database.session() as s:
        s.add(WatchEntry(phone=people.watched, reason="反复无理来电", added_by="supervisor1", added_at=NOW))
        s.add(
            Ticket(
                ticket_no=people.ticket_no,
                channel="phone",
                type="投诉",
                urgency="一般",
                status="dispatched",
                citizen_phone=people.repeat,
                created_by="seat1001",
                created_at=NOW - timedelta(days=2),
                updated_at=NOW - timedelta(days=2),
            )
        )
        for i in range(3):
            s.add(
                CallLink(
                    linkedid=f"{people.repeat}.{i}",
                    caller=people.repeat,
                    outcome="answered",
                    started_at=NOW - timedelta(hours=i + 1),
                    ended_at=NOW - timedelta(hours=i + 1) + timedelta(minutes=3),
                )
            )
    yield database
    database.dispose()


def _channel() -> tuple[dict[str, str], object]:
    variables: dict[str, str] = {}

    def answer(command: str) -> list[str]:
        verb = verb_of(command)
        if verb == "SET VARIABLE":
            _, name, value = command.split(" ", 3)[1:]
            variables[name] = value
            return ["200 result=1"]
        if verb == "GET VARIABLE":
            return ["200 result=0"]
        return default_reply(verb)

    return variables, answer


async def test_profile_from_the_database(db: Database, people: People) -> None:
    lookup = database_caller_lookup(db, timeout_s=10.0, clock=lambda: NOW)
    repeat = await lookup(people.repeat)
    assert repeat is not None and repeat.repeat_caller and repeat.calls_last_24h == 3
    assert [t.ticket_no for t in repeat.open_tickets] == [people.ticket_no]
    watched = await lookup(people.watched)
    assert watched is not None and watched.watch_listed
    assert await lookup("") is None


async def test_watch_listed_and_repeat_callers_are_routed(
    settings: Settings, redis: Redis, db: Database, people: People
) -> None:
    lookup = database_caller_lookup(db, timeout_s=10.0, clock=lambda: NOW)
    async with running_ivr(settings, redis, lookup=lookup) as ivr:
        watched, answer = _channel()
        log = await play_session(ivr.port, environment(callerid=people.watched), answer)  # type: ignore[arg-type]
        # DOMAIN.md §10: a warning prompt, then the dedicated queue.
        assert (watched[VAR_QUEUE], watched[VAR_ACTION]) == (settings.watch_queue, "watch")
        assert log.commands[-1].startswith("STREAM FILE")
        repeat, answer = _channel()
        await play_session(ivr.port, environment(callerid=people.repeat), answer)  # type: ignore[arg-type]
        assert repeat[VAR_TICKET_HINT] == people.ticket_no and repeat[VAR_QUEUE] == "q-general"


async def test_database_down_means_no_history(settings: Settings, redis: Redis) -> None:
    down = Database("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", pool_size=1)  # nothing listens
    try:
        lookup = database_caller_lookup(down, timeout_s=10.0, clock=lambda: NOW)
        assert await lookup("13900000009") is None
        async with running_ivr(settings, redis, lookup=lookup) as ivr:
            variables, answer = _channel()
            await play_session(ivr.port, environment(callerid="13900000009"), answer)  # type: ignore[arg-type]
            assert variables[VAR_QUEUE] == "q-general" and ivr.server.stats.completed == 1
    finally:
        down.dispose()

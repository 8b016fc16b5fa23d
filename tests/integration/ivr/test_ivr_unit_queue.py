"""A caller with an open ticket reaches its lead unit's seat group (settings.unit_queues), from the
real ticket database (SQLite and PostgreSQL) over real FastAGI sessions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from core.dialplan import VAR_ACTION, VAR_PRIORITY, VAR_QUEUE, VAR_TICKET_HINT, VAR_UNIT
from core.settings import Settings
from ivr.backend import database_caller_lookup
from tests.contract.ivr.asterisk_double import default_reply, environment, play_session, verb_of
from tests.contract.ivr.harness import running_ivr
from tickets.db import Database
from tickets.migrate import upgrade
from tickets.models import Ticket, Unit, WatchEntry

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    """Codes and numbers unique to one test: the PostgreSQL database is shared by the session."""

    unit: str
    follow_up: str  # has an open ticket led by `unit`
    watched: str  # the same, and on the watch list
    ticket_no: str


@pytest.fixture
def world() -> World:
    n = uuid.uuid4().int % 10**8
    return World(f"u-test-{n:08d}", f"137{n:08d}", f"136{n:08d}", f"T-20261121-{n:08d}")


@pytest.fixture
def db(db_url: str, world: World) -> Iterator[Database]:
    upgrade(db_url)
    database = Database(db_url, pool_size=2)
    with database.session() as s:
        s.add(Unit(code=world.unit, name="测试供水公司", tier=2, kind="utility", duty_phone="0999-96000099"))
        s.flush()
        s.add(WatchEntry(phone=world.watched, reason="反复无理来电", added_by="supervisor", added_at=NOW))
        for i, phone in enumerate((world.follow_up, world.watched)):
            s.add(
                Ticket(
                    ticket_no=f"{world.ticket_no}{i}",
                    channel="phone",
                    type="求助",
                    urgency="紧急",
                    status="dispatched",
                    citizen_phone=phone,
                    lead_unit_code=world.unit,
                    created_by="seat1001",
                    created_at=NOW - timedelta(days=1),
                    updated_at=NOW - timedelta(days=1),
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


async def test_open_ticket_caller_reaches_the_units_queue(
    settings: Settings, redis: Redis, db: Database, world: World
) -> None:
    settings.unit_queues = {world.unit: "q-dialect"}
    lookup = database_caller_lookup(db, timeout_s=10.0, clock=lambda: NOW)
    async with running_ivr(settings, redis, lookup=lookup) as ivr:
        follow_up, answer = _channel()
        await play_session(ivr.port, environment(callerid=world.follow_up), answer)  # type: ignore[arg-type]
        assert (follow_up[VAR_QUEUE], follow_up[VAR_ACTION], follow_up[VAR_PRIORITY]) == (
            "q-dialect",
            "queue",
            "0",
        )
        assert (follow_up[VAR_TICKET_HINT], follow_up[VAR_UNIT]) == (f"{world.ticket_no}0", world.unit)
        # DOMAIN.md §10: the watch list still comes first.
        watched, answer = _channel()
        await play_session(ivr.port, environment(callerid=world.watched), answer)  # type: ignore[arg-type]
        assert (watched[VAR_QUEUE], watched[VAR_ACTION]) == (settings.watch_queue, "watch")
        # A caller without history: the dialled number's queue.
        stranger, answer = _channel()
        await play_session(ivr.port, environment(callerid="13500000000"), answer)  # type: ignore[arg-type]
        assert stranger[VAR_QUEUE] == "q-general" and VAR_UNIT not in stranger
        assert ivr.server.stats.completed == 3

"""The ticket writer against real Redis and a real database, including one that is down at first."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from sqlalchemy import create_engine, func, make_url, text
from sqlmodel import Session, col, select

from core.contracts import CallRecord, SurveyResult
from core.handoff import GROUP, HandoffProducer, stream_key
from core.settings import Settings
from tests.integration.tickets.helpers import T0, Journey, isolated_url, seeded
from tickets import supervision, unit_events
from tickets.db import Database
from tickets.models import CallbackTask, CallLink, Ticket, TicketEvent
from tickets.writer import run_ticket_writer


def call(linkedid: str, outcome: str = "answered") -> CallRecord:
    return CallRecord(
        linkedid=linkedid,
        caller="13700000000",
        channel="PJSIP/world-1",
        started_at=T0,
        ended_at=T0 + timedelta(minutes=2),
        outcome=outcome,
        seat="1002",
    )  # type: ignore[arg-type]


async def eventually(check: Callable[[], Awaitable[bool]], what: str, limit_s: float = 60.0) -> None:
    """Polls until `check` holds; the limit only stops a hung test, it measures nothing."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit_s
    while not await check():
        if loop.time() > end:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def writer(settings: Settings, redis: Redis, db: Database) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(
        run_ticket_writer(settings, redis, db, "test", supervision_interval_s=0.2, retry_delay_s=0.05)
    )
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def counts(db: Database) -> tuple[int, int, int]:
    def work(s: Session) -> tuple[int, int, int]:
        return (
            int(s.exec(select(func.count()).select_from(CallLink)).one()),
            int(s.exec(select(func.count()).select_from(Ticket)).one()),
            int(s.exec(select(func.count()).select_from(CallbackTask)).one()),
        )

    return await db.run(work)


async def test_writer_ingests_stream_records_once(
    settings: Settings, redis: Redis, redis_prefix: str, db_url: str, tmp_path: Path
) -> None:
    with isolated_url(db_url) as url:
        s = seeded(settings, url)
        db = Database(url, pool_size=2)
        producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
        try:
            for record in [call("w.1"), call("w.2", "abandoned"), call("w.1")]:  # w.1 delivered twice
                await producer.publish(record)
            async with writer(s, redis, db):
                await eventually(lambda: _is(counts(db), (2, 1, 1)), "two calls, one ticket, one call-back")
                await eventually(lambda: _stream_empty(redis, redis_prefix), "stream acknowledged")
            assert await counts(db) == (2, 1, 1)
        finally:
            db.dispose()


async def test_writer_runs_the_supervision_scheduler(
    settings: Settings, redis: Redis, redis_prefix: str, db_url: str
) -> None:
    with isolated_url(db_url) as url:
        s = seeded(settings, url)
        db = Database(url, pool_size=2)
        try:
            overdue = Journey(db, s).dispatched(T0 - timedelta(days=30))

            async def escalated() -> bool:
                def work(session: Session) -> int:
                    t = session.exec(select(Ticket).where(Ticket.ticket_no == overdue)).one()
                    n = session.exec(
                        select(func.count())
                        .select_from(TicketEvent)
                        .where(
                            TicketEvent.ticket_id == t.id,
                            # The completion clock's steps (the response clock runs too).
                            col(TicketEvent.action).in_([a for a, _ in supervision.STEPS.values()]),
                        )
                    ).one()
                    return int(n)

                return await db.run(work) == 3

            lead = await db.run(
                lambda session: (
                    session.exec(select(Ticket).where(Ticket.ticket_no == overdue)).one().lead_unit_code
                )
            )
            assert lead is not None
            pubsub = redis.pubsub()
            await pubsub.subscribe(unit_events.unit_channel(redis_prefix, lead))
            # The confirmation first: from here on every publish reaches this subscriber.
            confirmed = await pubsub.get_message(timeout=5.0)
            assert confirmed is not None and confirmed["type"] == "subscribe"
            try:
                async with writer(s, redis, db):
                    await eventually(escalated, "reminder, notice and escalation written")
                # The lead unit's portal heard of the steps live, without personal data.
                seen: list[dict[str, object]] = []
                while (message := await pubsub.get_message(timeout=1.0)) is not None:
                    seen.append(json.loads(message["data"])["data"])
            finally:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            assert {(d["ticket_no"], d["unit_code"], d["assigned"]) for d in seen} == {(overdue, lead, True)}
            assert max(int(str(d["supervision_level"])) for d in seen) == 3
            assert not any("citizen" in key for d in seen for key in d)
        finally:
            db.dispose()


async def test_a_survey_from_the_stream_reaches_the_units_portal_live(
    settings: Settings, redis: Redis, redis_prefix: str, db_url: str, tmp_path: Path
) -> None:
    with isolated_url(db_url) as url:
        s = seeded(settings, url)
        db = Database(url, pool_size=2)
        producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
        try:
            no = Journey(db, s).approved(T0)
            pubsub = redis.pubsub()
            await pubsub.subscribe(unit_events.unit_channel(redis_prefix, "dept-urban"))
            confirmed = await pubsub.get_message(timeout=5.0)
            assert confirmed is not None and confirmed["type"] == "subscribe"
            try:
                # 不满意 → the ticket goes back to the unit (003 §11): its portal must show it at once.
                await producer.publish(
                    SurveyResult(
                        ticket_no=no,
                        linkedid="w.survey",
                        phone="13812345678",
                        satisfaction="dissatisfied",
                        resolved=False,
                        answered=True,
                        at=T0 + timedelta(days=1),
                    )
                )
                async with writer(s, redis, db):
                    await eventually(lambda: _stream_empty(redis, redis_prefix), "survey acknowledged")
                seen: list[dict[str, object]] = []
                while (message := await pubsub.get_message(timeout=1.0)) is not None:
                    seen.append(json.loads(message["data"])["data"])
            finally:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            # The supervision pass may speak of the (old, approved) ticket too; the survey's
            # delta is the one that tells the unit the ticket is back on its desk.
            back = [d for d in seen if d["status"] == "dispatched"]
            assert len(back) == 1, seen
            delta = back[0]
            assert (delta["ticket_no"], delta["action"], delta["assigned"], delta["role"]) == (
                no,
                "reopen",
                True,
                "lead",
            )
            assert not any("citizen" in key or "phone" in key for key in delta)
        finally:
            db.dispose()


@pytest.mark.postgres
async def test_records_wait_in_the_stream_while_the_database_is_down(
    settings: Settings, redis: Redis, redis_prefix: str, postgres_database: str, tmp_path: Path
) -> None:
    # The database does not exist yet: every write fails until it is created.
    name = f"hotline_down_{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_database).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    db = Database(url, pool_size=2)
    producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
    try:
        await producer.publish(call("down.1"))
        await producer.publish(call("down.2", "abandoned"))
        async with writer(settings, redis, db):
            await eventually(
                lambda: _delivered(redis, redis_prefix, 3),
                "the first record retried while the database is down",
            )
            assert await redis.xlen(stream_key(redis_prefix)) == 2  # nothing lost
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            seeded(settings, url)
            await eventually(lambda: _is(counts(db), (2, 1, 1)), "both records written after recovery")
            await eventually(lambda: _stream_empty(redis, redis_prefix), "stream acknowledged")
        assert await counts(db) == (2, 1, 1)
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def test_records_wait_while_the_sqlite_schema_is_missing(
    settings: Settings, redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'late.db'}"
    db = Database(url, pool_size=2)
    producer = HandoffProducer(redis, redis_prefix, tmp_path / "spool.jsonl")
    try:
        await producer.publish(call("late.1"))
        async with writer(settings, redis, db):
            await eventually(
                lambda: _delivered(redis, redis_prefix, 2), "record retried while the schema is missing"
            )
            seeded(settings, url)
            await eventually(lambda: _is(counts(db), (1, 1, 0)), "record written once the schema exists")
    finally:
        db.dispose()


async def _is(value: Awaitable[tuple[int, int, int]], expected: tuple[int, int, int]) -> bool:
    return await value == expected


async def _stream_empty(redis: Redis, prefix: str) -> bool:
    try:
        pending = await redis.xpending(stream_key(prefix), GROUP)
    except ResponseError:  # the writer has not created its group yet
        return False
    return int(pending["pending"]) == 0 and int(await redis.xlen(stream_key(prefix))) == 0


async def _delivered(redis: Redis, prefix: str, times: int) -> bool:
    """The oldest entry was handed to the writer at least `times` times (and is still pending)."""
    try:
        info = await redis.xpending_range(stream_key(prefix), GROUP, min="-", max="+", count=10)
    except ResponseError:  # the writer has not created its group yet
        return False
    return bool(info) and int(info[0]["times_delivered"]) >= times


async def test_publishing_deltas_ends_when_cancelled_even_if_redis_py_swallows_it(
    redis_prefix: str,
) -> None:
    """redis-py 8.1 may turn a cancellation into a connection error; `publish` catches those
    errors per delta, and must still let the cancellation end the worker (shutdown)."""
    started = asyncio.Event()

    class SwallowingRedis(Redis):
        async def publish(self, channel: Any, message: Any, **kwargs: Any) -> int:
            started.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                raise RedisConnectionError("Connection closed by server.") from None
            return 0

    delta = unit_events.UnitDelta(
        unit_code="dept-urban",
        ticket_no="12345-20261122-000001",
        action="supervise",
        status="dispatched",
        status_label="已派单",
        assigned=True,
        role="lead",
        urgency="一般",
        response_due=None,
        complete_due=None,
        overdue=False,
        supervision_level=0,
        priority=0,
    )
    client = SwallowingRedis.from_url("redis://127.0.0.1:6379/0")
    try:
        task = asyncio.create_task(unit_events.publish(client, redis_prefix, [delta, delta]))
        await started.wait()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert task in done, "publish went on to the next delta after being cancelled"
        assert task.cancelled()
    finally:
        await client.aclose()

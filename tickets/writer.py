"""The ticket writer (role `worker`): hand-off stream → database, plus the supervision scheduler.

The consumer acks a stream entry only after `ingest_record` committed; while the database is
down the handler raises, the entry stays pending (`HandlerFailed`) and is retried, so nothing is
lost, and ingestion is idempotent, so nothing is duplicated.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from core.aio import honour_cancel
from core.contracts import HandoffRecord
from core.handoff import HandoffConsumer
from core.settings import Settings
from tickets.db import Database
from tickets.ingest import ingest_record
from tickets.supervision import SupervisionStep, run_supervision
from tickets.unit_events import UnitDelta, collect_tickets, publish

log = logging.getLogger(__name__)

SUPERVISION_INTERVAL_S = 60.0


def make_consumer(settings: Settings, redis: Redis, db: Database, node: str) -> HandoffConsumer:
    def ingest(session: Session, record: HandoffRecord) -> list[UnitDelta]:
        changed = ingest_record(session, record, settings, datetime.now(UTC))
        # Collected in the ingest's own transaction, so a delta never describes an uncommitted state.
        return [delta for no, at in changed for delta in collect_tickets(session, [no], at)]

    async def handle(record: HandoffRecord) -> None:
        deltas = await db.run(lambda session: ingest(session, record))
        if deltas:
            # After the commit; a Redis failure is logged inside and the portal resyncs later.
            await publish(redis, settings.redis_prefix, deltas)

    return HandoffConsumer(redis, settings.redis_prefix, f"ticket-writer-{node}", handle)


async def supervision_loop(
    settings: Settings,
    db: Database,
    interval_s: float = SUPERVISION_INTERVAL_S,
    redis: Redis | None = None,
) -> None:
    """With `redis`, each unit whose ticket got a supervision step hears of it live (unit portal)."""

    def supervise(session: Session) -> tuple[list[SupervisionStep], list[UnitDelta]]:
        now = datetime.now(UTC)
        steps = run_supervision(session, settings, now)
        deltas = collect_tickets(session, (s.ticket_no for s in steps), now) if redis is not None else []
        return steps, deltas

    while True:
        honour_cancel()  # a cancellation redis-py swallowed while publishing ends the loop here
        try:
            steps, deltas = await db.run(supervise)
            if steps:
                log.info("supervision: %d steps recorded", len(steps))
            if redis is not None and deltas:
                # After the commit; a Redis failure is logged inside and the portal resyncs later.
                await publish(redis, settings.redis_prefix, deltas)
        except (SQLAlchemyError, OSError) as exc:
            honour_cancel()
            log.warning("supervision: database unavailable (%s); next pass in %.0f s", exc, interval_s)
        await asyncio.sleep(interval_s)


async def run_ticket_writer(
    settings: Settings,
    redis: Redis,
    db: Database,
    node: str,
    *,
    supervision_interval_s: float = SUPERVISION_INTERVAL_S,
    retry_delay_s: float = 1.0,
) -> None:
    consumer = make_consumer(settings, redis, db, node)
    async with asyncio.TaskGroup() as group:
        group.create_task(consumer.run(retry_delay_s=retry_delay_s))
        group.create_task(supervision_loop(settings, db, supervision_interval_s, redis))

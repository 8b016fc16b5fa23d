"""Migrations, demo seed, ticket numbers under concurrency, the caller profile."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

import tickets.models  # noqa: F401
from core.settings import Settings
from tests.integration.tickets.helpers import SEAT, T0, Journey, intake
from tickets.actions import acceptance
from tickets.callers import caller_profile
from tickets.context import Ctx
from tickets.db import Database, make_engine
from tickets.demo import ARTICLES, STAFF, UNITS
from tickets.migrate import seed_demo, upgrade
from tickets.models import CallLink, Category, KbArticle, Unit, User, WatchEntry
from tickets.passwords import verify_password


def test_migrated_schema_matches_the_models(tickets_url: str) -> None:
    upgrade(tickets_url)
    upgrade(tickets_url)  # idempotent
    engine = make_engine(tickets_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
            )
    finally:
        engine.dispose()
    assert diff == []


def test_seed_is_idempotent_and_complete(seeded_settings: Settings) -> None:
    seed_demo(seeded_settings)  # second run adds nothing
    engine = make_engine(seeded_settings.database_url)
    try:
        with Session(engine) as s:
            units = s.exec(select(Unit)).all()
            assert len(units) == len(UNITS)
            assert {u.tier for u in units} == {1, 2, 3}
            assert all(u.duty_phone for u in units)
            top = s.exec(select(Category).where(Category.parent_code == None)).all()  # noqa: E711
            assert len(top) >= 15
            assert {"城乡建设", "环境保护", "劳动和社会保障", "市场监管", "民政"} <= {c.name for c in top}
            assert int(s.exec(select(func.count()).select_from(Category)).one()) > 2 * len(top)
            users = {u.username: u for u in s.exec(select(User)).all()}
            assert {"seat1001", "seat1002", "seat1003", "supervisor", "admin", "auditor"} <= set(users)
            assert [users[f"seat100{i}"].extension for i in (1, 2, 3)] == ["1001", "1002", "1003"]
            assert users["unit-dept-urban"].role == "unit_handler"
            assert users["unit-dept-urban"].unit_code == "dept-urban"
            assert len(users) == len(STAFF) + len(UNITS) - 1
            assert verify_password("demo12345", users["supervisor"].password_hash)
            assert int(s.exec(select(func.count()).select_from(KbArticle)).one()) == len(ARTICLES)
    finally:
        engine.dispose()


def test_seed_refuses_production_mode(settings: Settings) -> None:
    prod = Settings(
        mode="production",
        token_secret="x" * 32,
        ami_secret="y" * 32,
        database_url=settings.database_url,
        redis_prefix=settings.redis_prefix,
    )
    upgrade(prod.database_url)
    with pytest.raises(ValueError, match="生产模式"):
        seed_demo(prod)
    engine = make_engine(prod.database_url)
    try:
        with Session(engine) as s:
            assert s.exec(select(User)).all() == []
    finally:
        engine.dispose()


async def test_ticket_numbers_are_unique_under_concurrency(db: Database, seeded_settings: Settings) -> None:
    at = datetime(2026, 11, 21, 16, 30, tzinfo=UTC)  # 00:30 on Nov 22 in Shanghai

    def create(session: Session) -> str:
        return acceptance.create_ticket(session, SEAT, intake(), Ctx(seeded_settings, at)).ticket_no

    numbers = await asyncio.gather(*(db.run(create) for _ in range(40)))
    assert len(set(numbers)) == 40
    assert sorted(numbers) == [f"12345-20261122-{i:06d}" for i in range(1, 41)]
    # A new day starts a new sequence.
    next_day = await db.run(
        lambda s: acceptance.create_ticket(
            s, SEAT, intake(), Ctx(seeded_settings, at + timedelta(days=1))
        )
    )
    assert next_day.ticket_no == "12345-20261123-000001"


def test_caller_profile(journey: Journey) -> None:
    open_no = journey.dispatched()
    journey.closed()
    now = T0 + timedelta(hours=3)
    with journey.db.session() as s:
        for i in range(3):
            s.add(
                CallLink(
                    linkedid=f"p.{i}",
                    caller="13812345678",
                    outcome="answered",
                    started_at=now - timedelta(hours=i * 2),
                    ended_at=now,
                )
            )
        s.add(
            CallLink(
                linkedid="p.old",
                caller="13812345678",
                outcome="answered",
                started_at=now - timedelta(days=40),
                ended_at=now,
            )
        )
        s.add(WatchEntry(phone="13812345678", reason="反复无理来电", added_by="supervisor", added_at=now))
    with journey.db.session() as s:
        p = caller_profile(s, "13812345678", now)
        q = caller_profile(s, "13900000000", now)
    assert [t.ticket_no for t in p.open_tickets] == [open_no]
    assert p.open_tickets[0].lead_unit_code == "dept-urban"
    # Three call records, and the journey's two phone tickets of this number, linked to no call
    # record: each stands for a call (issue 14: today's tickets count, tickets/callers.py).
    assert (p.calls_last_24h, p.calls_last_30d, p.repeat_caller) == (5, 5, True)
    assert (p.watch_listed, p.watch_reason) == (True, "反复无理来电")
    assert (q.open_tickets, q.calls_last_24h, q.repeat_caller, q.watch_listed) == ([], 0, False, False)

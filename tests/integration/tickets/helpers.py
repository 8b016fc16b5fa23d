"""Helpers shared by the ticket and API integration tests: databases, actors, ticket journeys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, make_url, text

from core.settings import Settings
from tickets import queries
from tickets.actions import acceptance, closing, decisions, unit_work
from tickets.actors import Actor
from tickets.context import Ctx
from tickets.db import Database
from tickets.migrate import seed_demo, upgrade
from tickets.schemas import (
    CallbackInput,
    DispatchInput,
    Note,
    ReplyInput,
    ReviewInput,
    TicketIntake,
)
from tickets.vocab import Channel, Role, Satisfaction, TicketType

SEAT = Actor("seat1001", Role.SEAT, "centre", "1001")
SUPERVISOR = Actor("supervisor", Role.SUPERVISOR, "centre")
ADMIN = Actor("admin", Role.ADMIN, "centre")
AUDITOR = Actor("auditor", Role.AUDITOR, "centre")
URBAN = Actor("unit-dept-urban", Role.UNIT_HANDLER, "dept-urban")
HOUSING = Actor("unit-dept-housing", Role.UNIT_HANDLER, "dept-housing")
ENV = Actor("unit-dept-env", Role.UNIT_HANDLER, "dept-env")

# Wednesday 2026-11-18 10:00 in Shanghai: an ordinary working week.
T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


@contextmanager
def isolated_url(db_url: str) -> Iterator[str]:
    """SQLite files are per test already; on PostgreSQL each test gets its own schema."""
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        yield db_url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seeded(settings: Settings, url: str) -> Settings:
    s = settings.model_copy(update={"database_url": url})
    upgrade(url)
    seed_demo(s)
    return s


def intake(**over: object) -> TicketIntake:
    data: dict[str, object] = {
        "channel": Channel.PHONE,
        "type": TicketType.HELP,
        "category_code": "urban.streetlight",
        "content": "和平里小区门口路灯不亮已经三天,联系电话13812345678",
        "citizen_name": "张三",
        "citizen_phone": "13812345678",
        "citizen_address": "东城区和平里北街1号",
    }
    data.update(over)
    return TicketIntake.model_validate(data)


class Journey:
    """Walks one ticket through the life cycle with the service functions."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def ctx(self, at: datetime) -> Ctx:
        return Ctx(self.settings, at)

    def create(self, at: datetime = T0, **over: object) -> str:
        with self.db.session() as s:
            return acceptance.create_ticket(s, SEAT, intake(**over), self.ctx(at)).ticket_no

    def dispatched(self, at: datetime = T0, unit: str = "dept-urban", **over: object) -> str:
        no = self.create(at, **over)
        with self.db.session() as s:
            acceptance.dispatch(s, SEAT, no, DispatchInput(lead_unit_code=unit), self.ctx(at))
        return no

    def replied(self, at: datetime = T0, handler: Actor = URBAN, **over: object) -> str:
        no = self.dispatched(at, handler.unit_code or "", **over)
        step = timedelta(minutes=10)
        with self.db.session() as s:
            unit_work.sign(s, handler, no, Note(), self.ctx(at + step))
            unit_work.first_contact(s, handler, no, Note(note="已电话联系"), self.ctx(at + 2 * step))
            unit_work.reply(
                s,
                handler,
                no,
                ReplyInput(text="已更换灯泡,路灯恢复照明", responsible_person="李四", head_signoff="王五"),
                self.ctx(at + 3 * step),
            )
        return no

    def approved(self, at: datetime = T0, handler: Actor = URBAN, **over: object) -> str:
        no = self.replied(at, handler, **over)
        with self.db.session() as s:
            decisions.review(s, SUPERVISOR, no, ReviewInput(approve=True), self.ctx(at + timedelta(hours=1)))
        return no

    def closed(self, at: datetime = T0, handler: Actor = URBAN, **over: object) -> str:
        no = self.approved(at, handler, **over)
        with self.db.session() as s:
            closing.callback(
                s,
                SEAT,
                no,
                CallbackInput(satisfaction=Satisfaction.SATISFIED, resolved=True),
                self.ctx(at + timedelta(hours=2)),
            )
        return no

    def status(self, no: str) -> str:
        with self.db.session() as s:
            return queries.load(s, no).status

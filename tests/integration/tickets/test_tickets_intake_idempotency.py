"""受理 is idempotent: a repeated request (same Idempotency-Key per account, or same call) makes no
second ticket, also when the repeats race; a key or call reused with another body is refused."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from core.settings import Settings
from tests.integration.tickets.helpers import SEAT, SUPERVISOR, T0, URBAN, intake
from tickets.actions import acceptance
from tickets.actions.acceptance import CallAlreadyTicketed, IdempotencyKeyReused
from tickets.context import Ctx
from tickets.db import Database
from tickets.errors import Forbidden
from tickets.models import CallLink, IntakeRequest, Ticket


def count(db: Database) -> int:
    with db.session() as s:
        return int(s.exec(select(func.count()).select_from(Ticket)).one())


def test_same_key_same_body_answers_the_first_ticket(db: Database, seeded_settings: Settings) -> None:
    ctx = Ctx(seeded_settings, T0)
    with db.session() as s:
        first = acceptance.accept(s, SEAT, intake(), ctx, "desk-7f3a")
        first_no = first.ticket.ticket_no
    with db.session() as s:
        again = acceptance.accept(s, SEAT, intake(), ctx, "desk-7f3a")
    assert (first.created, again.created) == (True, False)
    assert again.ticket.ticket_no == first_no
    assert count(db) == 1


def test_same_key_other_body_is_refused_and_changes_nothing(db: Database, seeded_settings: Settings) -> None:
    ctx = Ctx(seeded_settings, T0)
    with db.session() as s:
        no = acceptance.accept(s, SEAT, intake(), ctx, "k1").ticket.ticket_no
    with db.session() as s, pytest.raises(IdempotencyKeyReused) as refused:
        acceptance.accept(s, SEAT, intake(content="另一件事:小区垃圾三天没有清运"), ctx, "k1")
    assert refused.value.code == "idempotency_key_reused"
    assert no in refused.value.reason and "Idempotency-Key" in refused.value.reason
    assert count(db) == 1


def test_keys_are_per_account_and_a_new_key_makes_a_new_ticket(
    db: Database, seeded_settings: Settings
) -> None:
    ctx = Ctx(seeded_settings, T0)
    with db.session() as s:
        a = acceptance.accept(s, SEAT, intake(), ctx, "k1").ticket.ticket_no
        b = acceptance.accept(s, SUPERVISOR, intake(), ctx, "k1").ticket.ticket_no
        c = acceptance.accept(s, SEAT, intake(), ctx, "k2").ticket.ticket_no
        d = acceptance.accept(s, SEAT, intake(), ctx).ticket.ticket_no  # no key: no idempotency
    assert len({a, b, c, d}) == 4
    with db.session() as s:
        assert len(s.exec(select(IntakeRequest)).all()) == 3


def test_a_repeat_on_the_same_call_answers_the_first_ticket(db: Database, seeded_settings: Settings) -> None:
    ctx = Ctx(seeded_settings, T0)
    with db.session() as s:
        first = acceptance.accept(s, SEAT, intake(linkedid="1763431200.42"), ctx).ticket.ticket_no
    with db.session() as s:
        again = acceptance.accept(s, SEAT, intake(linkedid="1763431200.42"), ctx, "other-key")
    assert (again.created, again.ticket.ticket_no) == (False, first)
    with db.session() as s, pytest.raises(CallAlreadyTicketed) as refused:
        acceptance.accept(s, SEAT, intake(linkedid="1763431200.42", content="另一件事"), ctx)
    assert first in refused.value.reason
    assert count(db) == 1


def test_a_call_the_call_record_already_linked_is_refused(db: Database, seeded_settings: Settings) -> None:
    ctx = Ctx(seeded_settings, T0)
    with db.session() as s:
        ticket = acceptance.create_ticket(s, SEAT, intake(), ctx)
        s.add(
            CallLink(
                linkedid="call.9",
                caller="13812345678",
                outcome="answered",
                started_at=T0,
                ended_at=T0,
                ticket_id=ticket.id,
            )
        )
        no = ticket.ticket_no
    with db.session() as s, pytest.raises(CallAlreadyTicketed) as refused:
        acceptance.accept(s, SEAT, intake(linkedid="call.9"), ctx)
    assert refused.value.code == "call_already_ticketed" and no in refused.value.reason
    assert count(db) == 1


def test_a_unit_cannot_read_a_ticket_through_a_replayed_call(db: Database, seeded_settings: Settings) -> None:
    ctx = Ctx(seeded_settings, T0)
    with db.session() as s:
        acceptance.accept(s, SEAT, intake(linkedid="call.10"), ctx)
    with db.session() as s, pytest.raises(Forbidden):
        acceptance.accept(s, URBAN, intake(linkedid="call.10"), ctx)


async def test_concurrent_identical_requests_make_one_ticket(db: Database, seeded_settings: Settings) -> None:
    ctx = Ctx(seeded_settings, T0)

    def send(session: Session) -> tuple[str, bool]:
        done = acceptance.accept(session, SEAT, intake(linkedid="call.race"), ctx, "double-click")
        return done.ticket.ticket_no, done.created

    results = await asyncio.gather(*(db.run(send) for _ in range(8)))
    assert len({no for no, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert count(db) == 1
    # The loser's rolled-back ticket gave its number back: the next ticket is number 2.
    with db.session() as s:
        after = acceptance.accept(s, SEAT, intake(), ctx, "next").ticket.ticket_no
    assert after.endswith("-000002")

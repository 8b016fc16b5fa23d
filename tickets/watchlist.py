"""DOMAIN.md §10: a supervisor puts a number on the watch list; the caller is warned and routed
to a dedicated queue, never silently blocked."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from tickets.actors import Actor
from tickets.errors import NotFound
from tickets.models import WatchEntry


class WatchInput(BaseModel):
    phone: str = Field(min_length=3, max_length=40, pattern=r"^\+?[0-9-]+$")
    reason: str = Field(min_length=2, max_length=200)


class WatchView(BaseModel):
    phone: str
    reason: str
    added_by: str
    added_at: datetime
    active: bool


def _view(e: WatchEntry) -> WatchView:
    return WatchView(
        phone=e.phone, reason=e.reason, added_by=e.added_by, added_at=e.added_at, active=e.active
    )


def entries(session: Session) -> list[WatchView]:
    rows = session.exec(
        select(WatchEntry).where(col(WatchEntry.active).is_(True)).order_by(col(WatchEntry.id))
    )
    return [_view(e) for e in rows.all()]


def add(session: Session, actor: Actor, data: WatchInput, now: datetime) -> WatchView:
    entry = session.exec(select(WatchEntry).where(WatchEntry.phone == data.phone)).first()
    if entry is None:
        entry = WatchEntry(phone=data.phone, reason=data.reason, added_by=actor.username, added_at=now)
    else:
        entry.reason, entry.added_by, entry.added_at, entry.active = data.reason, actor.username, now, True
    session.add(entry)
    session.flush()
    return _view(entry)


def remove(session: Session, phone: str) -> WatchView:
    entry = session.exec(
        select(WatchEntry).where(WatchEntry.phone == phone, col(WatchEntry.active).is_(True))
    ).first()
    if entry is None:
        raise NotFound(f"该号码不在关注名单中:{phone}")
    entry.active = False
    session.add(entry)
    return _view(entry)

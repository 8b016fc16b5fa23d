"""The project's working-day override table (DESIGN.md "Time"): days `chinesecalendar` does not
know yet (next year's schedule is published in November) or that a city declares differently."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from core.bounds import Day
from tickets.errors import NotFound
from tickets.models import CalendarOverride


class OverrideInput(BaseModel):
    day: Day
    workday: bool
    note: str = Field(default="", max_length=200)


def overrides(session: Session, year: int | None = None) -> list[OverrideInput]:
    stmt = select(CalendarOverride).order_by(col(CalendarOverride.day))
    if year is not None:
        stmt = stmt.where(
            CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
        )
    return [OverrideInput(day=o.day, workday=o.workday, note=o.note) for o in session.exec(stmt).all()]


def set_days(session: Session, days: list[OverrideInput]) -> list[OverrideInput]:
    """Inserts or replaces; existing tickets keep their deadlines, new clocks use the new days."""
    for d in days:
        row = session.get(CalendarOverride, d.day)
        if row is None:
            row = CalendarOverride(day=d.day, workday=d.workday, note=d.note)
        else:
            row.workday, row.note = d.workday, d.note
        session.add(row)
    return days


def delete_day(session: Session, day: date) -> None:
    row = session.get(CalendarOverride, day)
    if row is None:
        raise NotFound(f"日历调整表中没有 {day.isoformat()}")
    session.delete(row)

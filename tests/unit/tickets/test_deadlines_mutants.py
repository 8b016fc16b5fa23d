"""Working-day deadlines (DOMAIN.md §5) at the edges mutation testing found unchecked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, SQLModel, create_engine

from tickets.deadlines import MAX_WORKING_DAYS, WorkCalendar
from tickets.errors import InvalidInput
from tickets.models import CalendarOverride

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def local(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, 0, tzinfo=TZ)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=TZ).astimezone(UTC)


# 2040 is beyond the package's calendar: a city that declares every day of it a working day.
ALL_WORKDAYS = WorkCalendar({date(2040, 1, 1) + timedelta(days=n): True for n in range(400)})


def test_the_longest_clock_allowed_is_366_working_days() -> None:
    start = local(2040, 1, 1)
    assert ALL_WORKDAYS.add_working_days(start, MAX_WORKING_DAYS, TZ) == end_of(
        date(2040, 1, 1) + timedelta(days=MAX_WORKING_DAYS)
    )
    for days in (MAX_WORKING_DAYS + 1, 0, -1):
        with pytest.raises(InvalidInput, match=r"^工作日天数必须在1到366之间$"):
            ALL_WORKDAYS.add_working_days(start, days, TZ)
    assert MAX_WORKING_DAYS == 366


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        # (start, end]: the start day itself never counts, the end day does.
        (date(2026, 9, 30), date(2026, 10, 9), 2),  # National Day off: Oct 8 and 9
        (date(2026, 10, 8), date(2026, 10, 9), 1),
        (date(2026, 11, 20), date(2026, 11, 23), 1),  # Fri → Mon: only Monday
        (date(2026, 11, 21), date(2026, 11, 22), 0),  # Sat → Sun
        (date(2026, 10, 9), date(2026, 10, 10), 1),  # Saturday Oct 10 is an adjusted workday
        (date(2026, 10, 9), date(2026, 10, 9), 0),
        (date(2026, 10, 9), date(2026, 10, 8), 0),  # an end before the start counts nothing
    ],
)
def test_working_days_between_counts_the_days_after_start_up_to_end(
    start: date, end: date, count: int
) -> None:
    assert CAL.working_days_between(start, end) == count


def test_the_override_table_is_read_from_the_database() -> None:
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[SQLModel.metadata.tables["calendar_overrides"]])
    with Session(engine) as session:
        session.add(CalendarOverride(day=date(2026, 10, 8), workday=False, note="台风停工"))
        session.add(CalendarOverride(day=date(2026, 10, 11), workday=True, note="补班"))
        session.commit()
        cal = WorkCalendar.load(session)
    engine.dispose()
    assert not cal.is_workday(date(2026, 10, 8))
    assert cal.is_workday(date(2026, 10, 11))
    assert cal.is_workday(date(2026, 10, 9))  # a day the table does not name keeps the package's answer


def test_the_day_the_clock_starts_is_the_centres_local_day() -> None:
    # 23:00 UTC on Tue Nov 17 is already Wed Nov 18 07:00 in Shanghai: one working day → Thu Nov 19.
    start = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
    assert CAL.add_working_days(start, 1, TZ) == end_of(date(2026, 11, 19))
    # The same instant seen from Urumqi's clock (UTC+6) is still Wed Nov 18 there.
    assert CAL.add_working_days(start, 1, ZoneInfo("Asia/Urumqi")) == datetime(
        2026, 11, 19, 23, 59, 59, tzinfo=ZoneInfo("Asia/Urumqi")
    )


def test_a_time_without_a_zone_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidInput, match=r"^时间缺少时区$"):
        CAL.add_working_days(datetime(2026, 11, 18, 10, 0), 1, TZ)

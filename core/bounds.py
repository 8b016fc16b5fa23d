"""Bounded value types shared by every input model and API parameter.

Why: an unbounded integer (a page offset of 2**64, an id of 20 digits) overflows the database's
integers, and a date near year 1 or 9999 overflows the time-zone arithmetic of deadlines
and KPI periods; both used to surface as server errors. Each input says its bounds once, here, so
a bad value is refused with a clear message before any work starts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from annotated_types import Ge, Le, MaxLen
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

INT64_MAX = 2**63 - 1
# Row ids are the database's INTEGER (32-bit on PostgreSQL): a larger one cannot exist.
INT32_MAX = 2**31 - 1
# Tickets, calendars and KPI periods of a hotline live well inside this; the holiday calendar
# and the time-zone arithmetic are only defined (and tested) for years near the present.
YEAR_MIN = 2000
YEAR_MAX = 2100
MAX_OFFSET = 10_000_000


def _year_in_range(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise PydanticCustomError(
            "date_out_of_range", "日期须在 {lo} 至 {hi} 年之间", {"lo": YEAR_MIN, "hi": YEAR_MAX}
        )


def _aware(value: datetime) -> datetime:
    # Checked on the value as given (no arithmetic): converting year 1 or 9999 may overflow.
    _year_in_range(value.year)
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_required", "时间须带时区,例如 2026-10-01T00:00:00+08:00")
    return value


def _day(value: date) -> date:
    _year_in_range(value.year)
    return value


# A row id: positive and within the database's INTEGER.
RowId = Annotated[int, Ge(1), Le(INT32_MAX)]
Offset = Annotated[int, Ge(0), Le(MAX_OFFSET)]
# A point in time given by a client: with its time zone, within YEAR_MIN..YEAR_MAX.
AwareTime = Annotated[datetime, AfterValidator(_aware)]
Day = Annotated[date, AfterValidator(_day)]
# Codes of units, categories, statuses, reasons; ticket numbers; phone numbers; names.
Code = Annotated[str, MaxLen(64)]
Phone = Annotated[str, MaxLen(40)]
Name = Annotated[str, MaxLen(60)]

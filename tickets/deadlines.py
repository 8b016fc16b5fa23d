"""Deadlines in Chinese working days (DOMAIN.md §5).

Working days come from `chinese_calendar` (official holidays and the adjusted weekend workdays
调休) plus the project's override table (`CalendarOverride`), which wins. A date neither knows is
refused with `CalendarUnknown`; a deadline is never guessed.

Convention: "within N working days" ends at 23:59:59 (centre time) of the N-th working day after
the day the clock started. Hour clocks (callback 24 h, urgent 1 day) are plain elapsed time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from sqlmodel import Session, select

from core.settings import TicketRules
from tickets.errors import CalendarUnknown, InvalidInput
from tickets.models import CalendarOverride
from tickets.vocab import Channel, TicketType, Urgency

END_OF_DAY = time(23, 59, 59)
# More working days than any rule asks for; stops a bad input from looping for ever.
MAX_WORKING_DAYS = 366


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        rows = session.exec(select(CalendarOverride)).all()
        return cls({r.day: r.workday for r in rows})

    def is_workday(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            raise CalendarUnknown(
                f"{day.isoformat()} 不在已知节假日日历内:请升级 chinesecalendar 或在日历调整表补充该年安排"
            ) from exc

    def add_working_days(self, start: datetime, days: int, tz: ZoneInfo) -> datetime:
        """End (23:59:59 local) of the `days`-th working day after `start`'s local date, in UTC."""
        if start.tzinfo is None:
            raise InvalidInput("时间缺少时区")
        if not 0 < days <= MAX_WORKING_DAYS:
            raise InvalidInput(f"工作日天数必须在1到{MAX_WORKING_DAYS}之间")
        day = start.astimezone(tz).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return datetime.combine(day, END_OF_DAY, tzinfo=tz).astimezone(UTC)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


@dataclass(frozen=True)
class UnitClocks:
    response_due: datetime
    complete_due: datetime


def is_urgent(urgency: str) -> bool:
    return urgency in (Urgency.URGENT, Urgency.MAJOR)


def dispatch_due(urgency: str, created_at: datetime, rules: TicketRules) -> datetime | None:
    """001 三(三)2: urgent tickets are dispatched within 15 min, major emergencies within 5."""
    if urgency == Urgency.MAJOR:
        return created_at + timedelta(minutes=rules.major_dispatch_minutes)
    if urgency == Urgency.URGENT:
        return created_at + timedelta(minutes=rules.urgent_dispatch_minutes)
    return None


def unit_clocks(
    *,
    ticket_type: str,
    urgency: str,
    channel: str,
    dispatched_at: datetime,
    rules: TicketRules,
    calendar: WorkCalendar,
    tz: ZoneInfo,
) -> UnitClocks:
    """The response and completion clocks that start when a unit receives the ticket."""
    # 003 §11(三), 000 §19(一): first contact within 1 working day.
    response = calendar.add_working_days(dispatched_at, rules.first_contact_working_days, tz)
    if is_urgent(urgency):
        # 001 四(二): urgent tickets within 1 day (calendar time, holidays included).
        complete = dispatched_at + timedelta(days=rules.urgent_complete_days)
    elif channel == Channel.PROVINCIAL:
        # 001 三(三)3: provincial transfers within 1-2 days.
        complete = dispatched_at + timedelta(days=rules.provincial_complete_days)
    elif ticket_type == TicketType.HELP:
        # 000 §19(二): help requests within 2 working days.
        complete = calendar.add_working_days(dispatched_at, rules.help_complete_working_days, tz)
    elif ticket_type == TicketType.CONSULTATION:
        complete = calendar.add_working_days(dispatched_at, rules.consultation_complete_working_days, tz)
    else:
        # 000 §19(二): complaints, reports, suggestions and other hard matters within 7.
        complete = calendar.add_working_days(dispatched_at, rules.complaint_complete_working_days, tz)
    return UnitClocks(response_due=min(response, complete), complete_due=complete)


def callback_due(approved_at: datetime, rules: TicketRules) -> datetime:
    # 000 §25: callback within 24 h of receiving the unit's result.
    return approved_at + timedelta(hours=rules.callback_hours)


def return_deadline(
    dispatched_at: datetime, rules: TicketRules, calendar: WorkCalendar, tz: ZoneInfo
) -> datetime:
    # 001 四(五): a ticket outside the unit's remit is returned within 1 working day.
    return calendar.add_working_days(dispatched_at, rules.return_window_working_days, tz)


def extension_request_ok(
    now: datetime, complete_due: datetime, rules: TicketRules, calendar: WorkCalendar, tz: ZoneInfo
) -> bool:
    """000 §21: an extension is asked at least 1 working day before the deadline."""
    return calendar.add_working_days(now, rules.extension_notice_working_days, tz) <= complete_due


def extended_due(
    *,
    complete_due: datetime,
    days: int,
    urgency: str,
    dispatched_at: datetime,
    rules: TicketRules,
    calendar: WorkCalendar,
    tz: ZoneInfo,
) -> datetime:
    """The completion deadline after an approved extension of `days`."""
    if is_urgent(urgency):
        # 001 四(二): an urgent ticket may be extended to 2 days at most.
        cap = dispatched_at + timedelta(days=rules.urgent_complete_max_days)
        return min(complete_due + timedelta(days=days), cap)
    return calendar.add_working_days(complete_due, days, tz)

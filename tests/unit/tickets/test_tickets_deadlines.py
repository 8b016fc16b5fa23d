"""Deadlines in Chinese working days (DOMAIN.md §5), checked against the 2026 official calendar.

2026 National Day: Oct 1-7 off, adjusted workdays Sun Sep 20 and Sat Oct 10; Mid-Autumn Sep 25-27
off; New Year Jan 1-3 off with Sun Jan 4 worked; Spring Festival with Sat Feb 14 and Sat Feb 28
worked; Labour Day May 1-5 off with Sat May 9 worked. Expected dates are written out by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.settings import TicketRules
from tickets import deadlines
from tickets.deadlines import WorkCalendar
from tickets.errors import CalendarUnknown, InvalidInput
from tickets.vocab import Channel, TicketType, Urgency

TZ = ZoneInfo("Asia/Shanghai")
RULES = TicketRules()
CAL = WorkCalendar()


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ).astimezone(UTC)


def clocks(
    at: datetime,
    ticket_type: TicketType = TicketType.HELP,
    urgency: Urgency = Urgency.NORMAL,
    channel: Channel = Channel.PHONE,
    cal: WorkCalendar = CAL,
) -> deadlines.UnitClocks:
    return deadlines.unit_clocks(
        ticket_type=ticket_type,
        urgency=urgency,
        channel=channel,
        dispatched_at=at.astimezone(UTC),
        rules=RULES,
        calendar=cal,
        tz=TZ,
    )


def test_official_holidays_and_adjusted_workdays() -> None:
    assert CAL.is_workday(date(2026, 9, 20))  # Sunday, adjusted workday
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday, adjusted workday
    assert not CAL.is_workday(date(2026, 10, 1))
    assert not CAL.is_workday(date(2026, 10, 7))
    assert not CAL.is_workday(date(2026, 10, 11))  # ordinary Sunday
    assert CAL.is_workday(date(2026, 10, 8))


def test_help_request_dispatched_before_national_day_is_due_after_it() -> None:
    c = clocks(local(2026, 9, 30))
    # 003 §11(三): first contact within 1 working day: Oct 1-7 are off, so Thu Oct 8.
    assert c.response_due == end_of(2026, 10, 8)
    # 000 §19(二): 2 working days: Oct 8, Oct 9.
    assert c.complete_due == end_of(2026, 10, 9)


def test_complaint_counts_the_adjusted_saturday_oct_10() -> None:
    c = clocks(local(2026, 9, 30), TicketType.COMPLAINT)
    # Oct 8, 9, 10 (Sat, worked), 12, 13, 14, 15: Sunday Oct 11 is skipped.
    assert c.complete_due == end_of(2026, 10, 15)


def test_adjusted_sunday_sep_20_is_a_working_day() -> None:
    # Dispatched on Saturday Sep 19: the next working day is Sunday Sep 20.
    assert clocks(local(2026, 9, 19)).response_due == end_of(2026, 9, 20)
    # Dispatched on Friday Sep 18: Sat 19 off, Sun 20 worked.
    assert clocks(local(2026, 9, 18)).response_due == end_of(2026, 9, 20)


def test_mid_autumn_festival_2026() -> None:
    # Thu Sep 24 → Fri 25 .. Sun 27 off → Mon Sep 28.
    assert clocks(local(2026, 9, 24)).response_due == end_of(2026, 9, 28)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ((2025, 12, 31), 1, (2026, 1, 4)),  # New Year: Jan 1-3 off, Sunday Jan 4 worked
        ((2026, 2, 13), 1, (2026, 2, 14)),  # Saturday Feb 14 worked before Spring Festival
        ((2026, 2, 14), 1, (2026, 2, 24)),  # Spring Festival Feb 15-23 off
        ((2026, 2, 27), 1, (2026, 2, 28)),  # Saturday Feb 28 worked
        ((2026, 4, 30), 1, (2026, 5, 6)),  # Labour Day May 1-5 off
        ((2026, 5, 8), 1, (2026, 5, 9)),  # Saturday May 9 worked
        ((2026, 11, 20), 2, (2026, 11, 24)),  # an ordinary weekend: Fri → Mon, Tue
    ],
)
def test_other_adjusted_workdays(start: tuple[int, int, int], days: int, due: tuple[int, int, int]) -> None:
    assert CAL.add_working_days(local(*start), days, TZ) == end_of(*due)


def test_late_evening_counts_by_the_local_date_not_utc() -> None:
    # 23:30 in Shanghai on Tue Nov 17 is still Tuesday there (15:30 UTC): due end of Wed.
    assert CAL.add_working_days(local(2026, 11, 17, 23, 30), 1, TZ) == end_of(2026, 11, 18)


def test_urgent_and_provincial_clocks_run_in_calendar_days() -> None:
    at = local(2026, 9, 30)
    # 001 四(二): an urgent ticket within 1 day, even across the holiday.
    assert clocks(at, urgency=Urgency.URGENT).complete_due == at + timedelta(days=1)
    assert clocks(at, urgency=Urgency.MAJOR).complete_due == at + timedelta(days=1)
    # The response clock never ends after the completion clock.
    assert clocks(at, urgency=Urgency.URGENT).response_due == at + timedelta(days=1)
    # 001 三(三)3: provincial transfers within 2 days.
    assert clocks(at, channel=Channel.PROVINCIAL).complete_due == at + timedelta(days=2)


def test_consultation_uses_its_own_setting() -> None:
    rules = TicketRules(consultation_complete_working_days=1)
    c = deadlines.unit_clocks(
        ticket_type=TicketType.CONSULTATION,
        urgency=Urgency.NORMAL,
        channel=Channel.WEB,
        dispatched_at=local(2026, 11, 18),
        rules=rules,
        calendar=CAL,
        tz=TZ,
    )
    assert c.complete_due == end_of(2026, 11, 19)


def test_dispatch_and_callback_clocks() -> None:
    at = local(2026, 10, 2)
    assert deadlines.dispatch_due(Urgency.URGENT, at, RULES) == at + timedelta(minutes=15)
    assert deadlines.dispatch_due(Urgency.MAJOR, at, RULES) == at + timedelta(minutes=5)
    assert deadlines.dispatch_due(Urgency.NORMAL, at, RULES) is None
    # 000 §25: callback within 24 h, holidays included.
    assert deadlines.callback_due(at, RULES) == at + timedelta(hours=24)


def test_approved_extension_moves_the_deadline_in_working_days() -> None:
    due = end_of(2026, 10, 9)
    new = deadlines.extended_due(
        complete_due=due,
        days=3,
        urgency=Urgency.NORMAL,
        dispatched_at=local(2026, 9, 30),
        rules=RULES,
        calendar=CAL,
        tz=TZ,
    )
    # Oct 10 (Sat, worked), Oct 12, Oct 13.
    assert new == end_of(2026, 10, 13)


def test_urgent_extension_is_capped_at_two_days() -> None:
    at = local(2026, 9, 30)
    due = at + timedelta(days=1)
    new = deadlines.extended_due(
        complete_due=due, days=5, urgency=Urgency.URGENT, dispatched_at=at, rules=RULES, calendar=CAL, tz=TZ
    )
    assert new == at + timedelta(days=2)


def test_extension_must_be_asked_one_working_day_ahead() -> None:
    due = end_of(2026, 10, 9)
    # 000 §21: asked on Thu Oct 8 (Friday still ahead): fine; on Fri Oct 9: too late.
    assert deadlines.extension_request_ok(local(2026, 10, 8), due, RULES, CAL, TZ)
    assert not deadlines.extension_request_ok(local(2026, 10, 9), due, RULES, CAL, TZ)
    # During the holiday the next working day is Oct 8, so asking on Oct 3 is fine.
    assert deadlines.extension_request_ok(local(2026, 10, 3), due, RULES, CAL, TZ)


def test_return_window_is_one_working_day() -> None:
    assert deadlines.return_deadline(local(2026, 9, 30), RULES, CAL, TZ) == end_of(2026, 10, 8)


def test_a_date_outside_known_calendars_is_refused() -> None:
    with pytest.raises(CalendarUnknown, match="2027"):
        CAL.add_working_days(local(2026, 12, 31), 1, TZ)
    with pytest.raises(CalendarUnknown):
        CAL.is_workday(date(2027, 3, 1))


def test_override_table_covers_unknown_years_and_wins_over_the_package() -> None:
    cal = WorkCalendar(
        {
            date(2027, 1, 1): False,
            date(2027, 1, 2): False,
            date(2027, 1, 3): False,
            date(2027, 1, 4): True,
            date(2026, 10, 8): False,
        }
    )
    assert cal.add_working_days(local(2026, 12, 31), 1, TZ) == end_of(2027, 1, 4)
    # A city-declared day off (e.g. a typhoon) on Oct 8 pushes the help request to Oct 10.
    assert clocks(local(2026, 9, 30), cal=cal).complete_due == end_of(2026, 10, 10)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InvalidInput):
        CAL.add_working_days(datetime(2026, 10, 1, 10, 0), 1, TZ)
    with pytest.raises(InvalidInput):
        CAL.add_working_days(local(2026, 10, 1), 0, TZ)

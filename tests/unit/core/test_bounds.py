"""The shared bounds: time zone and year range of client times, ids within the database's INTEGER."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import BaseModel, ValidationError

from core.bounds import INT32_MAX, AwareTime, Day, Offset, RowId


class Inputs(BaseModel):
    at: AwareTime | None = None
    day: Day | None = None
    id: RowId | None = None
    offset: Offset = 0


def error_type(**fields: object) -> str:
    with pytest.raises(ValidationError) as info:
        Inputs.model_validate(fields)
    return str(info.value.errors()[0]["type"])


def test_a_client_time_carries_its_zone_and_a_sane_year() -> None:
    assert Inputs(at="2026-10-01T00:00:00+08:00").at == datetime.fromisoformat("2026-10-01T00:00:00+08:00")
    assert error_type(at="2026-10-01T00:00:00") == "timezone_required"
    assert error_type(at="0001-01-01T00:00:00+08:00") == "date_out_of_range"
    assert error_type(at="9999-12-31T23:59:59-08:00") == "date_out_of_range"


def test_days_are_bounded_like_times() -> None:
    assert Inputs(day="2100-12-31").day == date(2100, 12, 31)
    assert error_type(day="1999-12-31") == "date_out_of_range"
    assert error_type(day="9999-12-31") == "date_out_of_range"


def test_ids_and_offsets_stay_within_the_database_integers() -> None:
    assert Inputs(id=INT32_MAX).id == INT32_MAX
    assert error_type(id=INT32_MAX + 1) == "less_than_equal"
    assert error_type(id=0) == "greater_than_equal"
    assert error_type(offset=2**64) == "less_than_equal"

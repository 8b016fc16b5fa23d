"""Column types shared by the models and the migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC (DESIGN.md "Time: store UTC"); hands back aware datetimes on every backend.

    SQLite keeps no zone, PostgreSQL uses timestamptz; a naive datetime is refused on the way in
    because its zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware UTC datetimes")
        utc: datetime = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum: type[StrEnum], *, check: str, length: int) -> Enum:
    """A `tickets.vocab` enum column: VARCHAR(length) holding the values, CHECKed by the database.

    Not a native PostgreSQL ENUM, so both backends keep the readable strings they always held;
    `check` names the constraint (a migration adds or changes it when the enum does). Rows read
    back as enum members.
    """
    return Enum(
        enum,
        name=check,
        length=length,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )

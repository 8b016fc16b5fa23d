"""The API's parameter types: path and query parameters with their bounds (core.bounds).

Routes use these instead of bare `int`/`str`/`datetime`, so every parameter is bounded the same
way and the bounds show in the OpenAPI description.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from core.bounds import AwareTime, Code, Day, Name, Offset, Phone, RowId

IdPath = Annotated[RowId, Path(description="编号")]
TicketNoPath = Annotated[Code, Path(description="工单编号")]
PhonePath = Annotated[Phone, Path(description="电话号码")]
UsernamePath = Annotated[Name, Path(description="用户名")]
LinkedidPath = Annotated[Code, Path(description="通话编号(linkedid)")]
DayPath = Annotated[Day, Path(description="日期,例如 2026-10-01")]

OffsetQuery = Annotated[Offset, Query(description="跳过的条数")]
CodeQuery = Annotated[Code | None, Query()]
PhoneQuery = Annotated[Phone | None, Query()]
NameQuery = Annotated[Name | None, Query()]
TimeQuery = Annotated[AwareTime | None, Query(description="带时区的时间,例如 2026-10-01T00:00:00+08:00")]

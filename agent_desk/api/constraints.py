"""A write the database refused on a constraint or a column type answers 409 or 422, not a 500.

The use cases check what they know to check; the database's constraints are the last line (a
reference to a unit or category that does not exist, a second row with the same key written by a
concurrent request). When one trips, the transaction was rolled back (`Database.session`), so
nothing changed and the client can be told so.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import DataError, IntegrityError

from agent_desk.api.errors import error_response

log = logging.getLogger(__name__)

BAD_REFERENCE = "引用的单位、分类或记录不存在(未做任何修改)"
DUPLICATE = "记录已存在或已被同时修改(未做任何修改)"
REFUSED = "输入不符合数据约束(未做任何修改)"
OUT_OF_RANGE = "输入超出可保存的范围(数值过大或文本过长,未做任何修改)"


def _sqlstate(exc: IntegrityError) -> str:
    return str(getattr(exc.orig, "sqlstate", "") or "")


def classify(exc: IntegrityError) -> tuple[int, str, str]:
    """(HTTP status, detail, code) for a constraint violation, on SQLite and PostgreSQL."""
    message = str(exc.orig).lower()
    state = _sqlstate(exc)
    if state == "23503" or "foreign key" in message:
        return 422, BAD_REFERENCE, "unknown_reference"
    if state == "23505" or "unique" in message:
        return 409, DUPLICATE, "conflict"
    return 422, REFUSED, "constraint_violated"


async def _integrity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IntegrityError)
    status, detail, code = classify(exc)
    # Worth a look in the logs: a use case let through what the database had to refuse.
    log.warning("constraint refused %s %s: %s", request.method, request.url.path, exc.orig)
    return error_response(status, detail, code)


async def _data_error(request: Request, exc: Exception) -> Response:
    # PostgreSQL refuses a value its column cannot hold (a number out of range, a text too long
    # for its VARCHAR); the bounds on the inputs (core.bounds) should have stopped it first.
    log.warning("value refused %s %s: %s", request.method, request.url.path, getattr(exc, "orig", exc))
    return error_response(422, OUT_OF_RANGE, "value_out_of_range")


def install(app: FastAPI) -> None:
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)

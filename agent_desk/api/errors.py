"""The one error contract of the REST API: every error answers `{"detail", "code"}`.

`detail` is for people (Chinese, shown as is by the pages); `code` is stable English for
programs. A 422 adds `errors`, the fields at fault. `install(app)` registers the handlers that
turn every error (HTTPException, request validation, the engine's TicketError) into this body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from tickets.errors import (
    CalendarUnknown,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TicketError,
    TransitionRefused,
)


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    detail: str
    code: str  # stable for programs: unauthorized, forbidden, not_found, transition_refused ...
    errors: list[FieldError] | None = None  # 422 only: which inputs and why


# The code an error gets when the raiser did not name one.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}

TICKET_STATUS: list[tuple[type[TicketError], int]] = [
    (NotFound, 404),
    (Forbidden, 403),
    (TransitionRefused, 409),
    (Conflict, 409),
    (InvalidInput, 422),
    (CalendarUnknown, 422),
]


class ApiError(StarletteHTTPException):
    """An HTTP error with its own stable code (the status's generic code otherwise)."""

    def __init__(self, status: int, detail: str, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, detail, headers)
        self.code = code


def error_response(
    status: int,
    detail: str,
    code: str,
    headers: Mapping[str, str] | None = None,
    errors: list[FieldError] | None = None,
) -> JSONResponse:
    body = ErrorBody(detail=_printable(detail), code=code, errors=errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def _printable(text: str) -> str:
    # A message may quote the client's input; a lone surrogate in it could not be encoded.
    return text.encode("utf-8", "replace").decode("utf-8")


def field_errors(raw: Sequence[Any]) -> list[FieldError]:
    """The validation errors without the input values (personal data, unencodable text)."""
    out: list[FieldError] = []
    for e in raw:
        loc = [part if isinstance(part, int) else _printable(str(part)) for part in e.get("loc", ())]
        out.append(FieldError(loc=loc, msg=_printable(str(e.get("msg", ""))), type=str(e.get("type", ""))))
    return out


def validation_detail(errors: list[FieldError]) -> str:
    parts = []
    for e in errors[:5]:
        where = ".".join(str(p) for p in e.loc[1:]) or ".".join(str(p) for p in e.loc)
        parts.append(f"{where}: {e.msg}" if where else e.msg)
    more = f"等 {len(errors)} 处" if len(errors) > 5 else ""
    return "输入无效:" + ";".join(parts) + more


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    code = getattr(exc, "code", None) or STATUS_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, str(exc.detail), code, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    return error_response(422, validation_detail(errors), "validation_error", errors=errors)


async def _ticket_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TicketError)
    status = next((c for kind, c in TICKET_STATUS if isinstance(exc, kind)), 400)
    return error_response(status, exc.reason, exc.code)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(TicketError, _ticket_error)


def _r(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _r("未登录、令牌无效或已过期"),
    403: _r("角色或单位无权执行"),
}
TICKET_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: _r("工单不存在"),
    409: _r("当前状态不允许此操作(未做任何修改)"),
}
# Every operation may answer these (the request guard, validation, an outage).
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    413: _r("请求体超过大小上限(未做任何处理)"),
    422: _r("输入无效(字段、范围、时区或文本字符),见 errors"),
    503: _r("数据库或 Redis 暂时不可用(见 Retry-After;未做任何修改)"),
}

"""The error body every endpoint answers with, documented once for OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    detail: str
    code: str | None = None  # stable for programs: not_found, forbidden, transition_refused ...


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

"""The request guard: an ASGI middleware in front of every HTTP route.

- Size: the body is counted as it streams in (with or without Content-Length, chunked too) and
  refused with 413 as soon as it passes `max_body_bytes`, before anything parses it; a declared
  Content-Length above the limit is refused before a byte is read.
- Text: a NUL or a lone surrogate in the path, the query or a JSON body is refused with 422.
  Neither is text a person typed; PostgreSQL refuses NUL and no UTF-8 encoder takes a lone
  surrogate, so letting them through ended in a server error deep in a use case. Checking once
  here covers every field of every route, present and future.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_desk.api.errors import error_response

BAD_URL_TEXT = "地址或查询参数含有不允许的字符(NUL 或无效的 UTF-8)"
BAD_BODY_TEXT = "请求内容含有不允许的字符(NUL 或孤立的 Unicode 代理项)"
BAD_BODY_UTF8 = "请求内容不是有效的 UTF-8 文本"
TOO_DEEP = "请求内容嵌套过深"


def _bad_bytes(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def bad_url_text(scope: Scope) -> bool:
    raw_path = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8", "surrogatepass")
    query = bytes(scope.get("query_string", b"")).replace(b"+", b" ")
    return _bad_bytes(unquote_to_bytes(raw_path)) or _bad_bytes(unquote_to_bytes(query))


def _bad_str(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from a \\udXXX escape
        return True
    return False


def bad_json_text(value: Any) -> bool:
    """Walks a parsed JSON document (iteratively: nesting depth is the client's choice)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _bad_str(item):
                return True
        elif isinstance(item, dict):
            for key, child in item.items():
                if _bad_str(key):
                    return True
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return bool(media == b"application/json" or media.endswith(b"+json"))
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _too_large(self) -> Any:
        return error_response(
            413,
            f"请求体过大,上限为 {self.max_body_bytes} 字节",
            "payload_too_large",
            headers={"Connection": "close"},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if bad_url_text(scope):
            await error_response(422, BAD_URL_TEXT, "invalid_text")(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large()(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its request was complete: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(scope):
            problem = _json_problem(body)
            if problem is not None:
                await error_response(422, problem, "invalid_text")(scope, receive, send)
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only the disconnect is left to wait for

        await self.app(scope, replay, send)


def _json_problem(body: bytes) -> str | None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return BAD_BODY_UTF8
    try:
        document = json.loads(text)
    except RecursionError:
        return TOO_DEEP
    except ValueError:
        return None  # not JSON: the route's own parsing answers 422 with the position
    return BAD_BODY_TEXT if bad_json_text(document) else None

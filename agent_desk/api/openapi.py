"""Documents the error contract on every operation of the OpenAPI description.

Which errors an operation can answer follows from what it is, so they are derived from the
routes rather than listed by hand on each: every operation may answer 413, 422 and 503 (the
request guard, validation, an outage); one that needs a login may answer 401 and 403; one with
a path parameter may answer 404. Routers add the rest (409, 429) with their own descriptions.
Every error response, whoever declared it, points at the one `ErrorBody` schema, and FastAPI's
own 422 schema (a list of field errors) is replaced by it, because that is what the handlers
answer (agent_desk/api/errors.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from agent_desk.api.deps import current_actor
from agent_desk.api.errors import AUTH_ERRORS, COMMON_ERRORS, ErrorBody

_REF = "#/components/schemas/ErrorBody"
_NOT_FOUND = "不存在(路径中的编号、名称或号码)"


def _needs_login(dependant: Dependant) -> bool:
    stack = [dependant]
    while stack:
        d = stack.pop()
        if d.call is current_actor:
            return True
        stack.extend(d.dependencies)
    return False


def _expected(route: APIRoute) -> dict[str, str]:
    statuses = {str(k): v["description"] for k, v in COMMON_ERRORS.items()}
    if _needs_login(route.dependant):
        statuses.update({str(k): v["description"] for k, v in AUTH_ERRORS.items()})
    if route.dependant.path_params:
        statuses["404"] = _NOT_FOUND
    return statuses


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF}}}


def _operations(app: FastAPI) -> list[tuple[str, set[str], APIRoute]]:
    """(path, methods, route) of every documented operation, with the prefixes it was included under."""
    found = []
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.include_in_schema and context.path_format:
            found.append((context.path_format, set(context.methods or ()), route))
    return found


def with_errors(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["ErrorBody"] = body
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, methods, route in _operations(app):
        item = schema["paths"].get(path, {})
        for method in methods:
            operation = item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in _expected(route).items():
                responses.setdefault(status, {"description": description})
            if responses.get("422", {}).get("description") == "Validation Error":  # FastAPI's own
                responses["422"]["description"] = COMMON_ERRORS[422]["description"]
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = _error_content()
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = with_errors(app, schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

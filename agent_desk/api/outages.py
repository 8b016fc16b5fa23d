"""Database and Redis outages answer 503 with Retry-After, not a bare 500.

The engines' timeouts (tickets.db: connect, pool and SQLite busy timeouts; the app's Redis
client: connect timeout) bound how long a request waits for an engine that is away; this module
turns the error they end with into a clear answer. The transaction was rolled back by
`Database.session`, so nothing is half-written; the pool reconnects (pre-ping) once the engine is
back, so the service recovers by itself.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from redis.exceptions import BusyLoadingError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from agent_desk.api.errors import error_response

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
DB_UNAVAILABLE = "数据库暂时不可用,请稍后重试(本次操作未做任何修改)"
REDIS_UNAVAILABLE = "实时服务暂时不可用,请稍后重试(本次操作未做任何修改)"

# SQLite reports its own SQL errors as OperationalError too ("no such table", syntax): only
# these mean the database file is busy or unreachable, everything else stays a server error.
_SQLITE_OUTAGE = ("database is locked", "database table is locked", "unable to open", "disk i/o error")


def is_db_outage(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    module = type(exc.orig).__module__ if exc.orig is not None else ""
    if module.startswith("sqlite3"):
        message = str(exc.orig).lower()
        return any(m in message for m in _SQLITE_OUTAGE)
    return True  # PostgreSQL: OperationalError is the connection's (refused, reset, timed out)


def unavailable(detail: str, code: str) -> Response:
    return error_response(503, detail, code, headers={"Retry-After": str(RETRY_AFTER_S)})


async def _db_error(request: Request, exc: Exception) -> Response:
    if not is_db_outage(exc):
        raise exc
    log.error("database unavailable for %s %s: %s", request.method, request.url.path, exc)
    return unavailable(DB_UNAVAILABLE, "database_unavailable")


async def _redis_error(request: Request, exc: Exception) -> Response:
    log.error("Redis unavailable for %s %s: %s", request.method, request.url.path, exc)
    return unavailable(REDIS_UNAVAILABLE, "redis_unavailable")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _db_error)
    app.add_exception_handler(PoolTimeout, _db_error)
    for kind in (RedisConnectionError, RedisTimeoutError, BusyLoadingError):
        app.add_exception_handler(kind, _redis_error)

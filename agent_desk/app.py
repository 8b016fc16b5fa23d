"""Composition root of the web role: `create_app(settings)` builds everything in the lifespan.

Nothing is a module global: the database, the Redis client and the settings live on `app.state`.
Routers are a plain list (`ROUTERS`); the web pages and websockets add theirs to it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from redis.asyncio import Redis

from agent_desk.api import constraints, outages
from agent_desk.api import errors as api_errors
from agent_desk.api import openapi as api_openapi
from agent_desk.api.guard import RequestGuard
from agent_desk.api.routes import (
    audit,
    auth,
    calendar,
    callbacks,
    callers,
    kb,
    kpi,
    pickers,
    public,
    recordings,
    supervision,
    tickets,
    units,
    users,
    watchlist,
)
from agent_desk.docs import add_docs
from agent_desk.web import api as web_api
from agent_desk.web import pages as web_pages
from agent_desk.ws import wiring as ws_wiring
from core.settings import Settings
from tickets.db import Database
from tickets.migrate import upgrade

ROUTERS: list[APIRouter] = [
    auth.router,
    tickets.router,
    kb.router,
    kpi.router,
    supervision.router,
    callbacks.router,
    callers.router,
    watchlist.router,
    units.router,
    pickers.router,
    users.router,
    audit.router,
    calendar.router,
    public.router,
    recordings.router,
    web_api.router,
    ws_wiring.router,
    web_pages.router,
]

TAGS = [
    {"name": "auth", "description": "登录与令牌"},
    {"name": "tickets", "description": "工单受理、查询与全生命周期操作"},
    {"name": "kb", "description": "知识库"},
    {"name": "kpi", "description": "考核指标"},
    {"name": "supervision", "description": "督办与超期看板"},
    {"name": "callbacks", "description": "回访与漏接回拨任务"},
    {"name": "callers", "description": "来电人画像"},
    {"name": "watchlist", "description": "重点关注号码"},
    {"name": "units", "description": "单位与分类目录"},
    {"name": "audit", "description": "个人信息访问审计"},
    {"name": "users", "description": "账号管理:停用、恢复、重置密码(留痕)"},
    {"name": "calendar", "description": "工作日调整表(法定节假日与调休之外的本地安排)"},
    {"name": "recordings", "description": "通话录音回放(访问留痕)"},
    {"name": "public", "description": "公众自助查询与受理公开(无需登录)"},
]


def create_app(settings: Settings, *, routers: list[APIRouter] | None = None) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(upgrade, settings.database_url)
        db = Database(settings.database_url, settings.db_pool_size, settings.db_timeout_s)
        # A connect timeout only: the websockets' command replies block (BLPOP) on this client.
        redis = Redis.from_url(settings.redis_url, socket_connect_timeout=settings.redis_timeout_s)
        app.state.settings = settings
        app.state.db = db
        app.state.redis = redis
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await redis.aclose()
            db.dispose()

    app = FastAPI(
        title=f"{settings.city}12345政务服务便民热线",
        version="0.1.0",
        description="工单引擎 REST API:受理、派单、办理、审核、回访、督办、考核、知识库、受理公开、审计。",
        openapi_tags=TAGS,
        lifespan=lifespan,
        # FastAPI's pages load Swagger UI / ReDoc from a CDN: blank offline (agent_desk/docs.py).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    add_docs(app)

    # One error contract ({"detail", "code"}) for every answer, documented on every operation.
    api_errors.install(app)
    outages.install(app)
    constraints.install(app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    for router in routers if routers is not None else ROUTERS:
        app.include_router(router)
    api_openapi.install(app)
    return app

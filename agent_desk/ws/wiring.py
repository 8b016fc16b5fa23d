"""How the websocket layer plugs into the rest of the hotline.

- Tokens: the REST API's check (`agent_desk.api.token_check.TokenChecker`: HMAC signature,
  expiry, account active and token version), run again on every client message, so an expired
  token or a deactivated user ends the session at its next message.
- Topics: `wallboard` ← notifier channel `<prefix>events:wallboard`; `seat:<ext>` ← channel
  `<prefix>events:desk:<ext>`; snapshots from `callflow.store`. `unit:<code>` ← channel
  `<prefix>events:unit:<code>` (`tickets.unit_events`, published by the REST layer after a
  commit); its snapshot holds no tickets: the portal reads them through the REST API, which
  applies the privacy rules, and then applies the deltas.
- Commands: the desk's buttons become `callflow.commands` requests on the Redis command bus;
  a seat may only act on its own line and on the call that line is on.

`router` is the APIRouter that `agent_desk.app` includes; its lifespan builds a `WsService` from
`app.state.settings` / `app.state.redis`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis

from agent_desk.api.token_check import TokenChecker
from agent_desk.api.tokens import InvalidToken, verify_token
from agent_desk.ws.access import (
    SEAT_PREFIX,
    UNIT_PREFIX,
    WALLBOARD,
    AuthError,
    Principal,
    seat_topic,
    unit_topic,
)
from agent_desk.ws.bridge import RedisBridge, Routed
from agent_desk.ws.hub import Hub
from agent_desk.ws.routes import ws_router
from agent_desk.ws.service import WsService
from agent_desk.ws.session import CommandError, SessionConfig, SessionDeps
from callflow import store
from callflow.commands import (
    AttachTicket,
    Command,
    CommandClient,
    EmergencyTransfer,
    HangupChannel,
    Hold,
    MissedCallback,
    Resume,
    SeatLogin,
    SeatLogout,
    SetNotReady,
    SetReady,
    Spy,
    SurveyCallback,
    ThreeWay,
    Wrapup,
)
from callflow.notifier import channel
from hotline.settings import Settings
from tickets.db import Database
from tickets.unit_events import unit_channel

COMMAND_TIMEOUT_S = 5.0


def authenticator(settings: Settings, checker: TokenChecker | None = None) -> Callable[[str], Any]:
    """Without `checker` only the signature and expiry are checked (no account store at hand)."""

    async def authenticate(token: str) -> Principal:
        try:
            if checker is not None:
                claims = await checker.verify(token)
            else:
                claims = verify_token(settings.token_secret, token, datetime.now(UTC))
        except InvalidToken as exc:
            raise AuthError(exc.reason) from exc
        return Principal(
            username=claims.sub,
            role=claims.role.value,
            display_name=claims.name or claims.sub,
            extension=claims.ext,
            unit_codes=frozenset({claims.unit}) if claims.unit else frozenset(),
        )

    return authenticate


def route_notifier(prefix: str) -> Callable[[str, dict[str, Any]], list[Routed]]:
    """Maps callflow.notifier channels to hub topics."""
    wallboard = channel(prefix, "wallboard")
    desk = channel(prefix, "desk:")
    unit = unit_channel(prefix, "")

    def route(name: str, message: dict[str, Any]) -> list[Routed]:
        if name == wallboard:
            return [Routed(WALLBOARD, message["op"], message.get("data"))]
        if name.startswith(unit):
            code = name[len(unit) :]
            return [Routed(unit_topic(code), message["op"], message.get("data"))] if code else []
        if name.startswith(desk):
            ext = name[len(desk) :]
            if ext:
                return [Routed(seat_topic(ext), message["op"], message.get("data"))]
        return []

    return route


def snapshots(settings: Settings, redis: Redis) -> Callable[[str, Principal], Any]:
    prefix = settings.redis_prefix
    queue_titles = {q.name: q.title for q in settings.queues}

    async def snapshot(topic: str, _who: Principal) -> dict[str, Any]:
        if topic == WALLBOARD:
            snap = await store.snapshot(redis, prefix, settings.timezone)
            misses = await store.ring_misses(redis, prefix, store.local_day(settings.timezone))
            return {
                **snap.model_dump(mode="json"),
                "queue_titles": queue_titles,
                "ring_misses": [m.model_dump(mode="json") for m in misses[-50:]],
                "service_level_s": settings.calls.service_level_s,
            }
        if topic.startswith(SEAT_PREFIX):
            ext = topic[len(SEAT_PREFIX) :]
            seat = await store.seat_state(redis, prefix, ext)
            call = await store.call_state(redis, prefix, seat.linkedid) if seat and seat.linkedid else None
            return {
                "ext": ext,
                "seat": seat.model_dump(mode="json") if seat else None,
                "call": call.model_dump(mode="json") if call else None,
                "queue_titles": queue_titles,
                "ring_timeout_s": settings.calls.ring_timeout_s,
                "wrapup_s": settings.calls.wrapup_s,
            }
        if topic.startswith(UNIT_PREFIX):
            # No ticket data here (DOMAIN.md §9): "fetch" tells the portal to (re)read its list
            # through the REST API; the deltas that follow say which ticket to refresh.
            return {"unit": topic[len(UNIT_PREFIX) :], "tickets": None, "fetch": "rest"}
        raise ValueError(f"no snapshot for topic {topic!r}")

    return snapshot


class DeskCommands:
    """Turns a desk command into a `callflow.commands` request and its reply into a result."""

    def __init__(self, settings: Settings, redis: Redis, client: CommandClient | None = None) -> None:
        self._prefix = settings.redis_prefix
        self._redis = redis
        self._client = client or CommandClient(redis, settings.redis_prefix)

    async def __call__(self, who: Principal, name: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            command = await self._build(who, name, args)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CommandError(f"参数错误:{'.'.join(str(p) for p in first['loc'])} {first['msg']}") from exc
        reply = await self._client.send(command, COMMAND_TIMEOUT_S)
        if not reply.ok:
            raise CommandError(reply.message)
        return {"message": reply.message, **reply.data}

    async def _own_call(self, who: Principal, seat: str, linkedid: str | None) -> str:
        """The linkedid of the call on `seat`; a seat may only act on the call it is on."""
        view = await store.seat_state(self._redis, self._prefix, seat)
        current = view.linkedid if view else None
        if linkedid is None:
            if current is None:
                raise CommandError("当前没有通话")
            return current
        if who.role == "seat" and linkedid != current:
            raise CommandError("该通话不在您的分机上")
        return linkedid

    async def _build(self, who: Principal, name: str, a: dict[str, Any]) -> Command:
        seat = str(a.get("seat", ""))
        if name == "seat_login":
            return SeatLogin(seat=seat, queues=a.get("queues") or [], paused=bool(a.get("paused", False)))
        if name == "seat_logout":
            return SeatLogout(seat=seat)
        if name == "ready":
            return SetReady(seat=seat)
        if name == "not_ready":
            return SetNotReady(seat=seat, reason=str(a.get("reason", "")))
        if name == "wrapup":
            return Wrapup(seat=seat, seconds=a.get("seconds"))
        if name == "attach_ticket":
            linkedid = await self._own_call(who, seat, a.get("linkedid"))
            return AttachTicket(linkedid=linkedid, ticket_no=str(a.get("ticket_no", "")))
        if name == "threeway":
            linkedid = await self._own_call(who, seat, a.get("linkedid"))
            return ThreeWay(
                seat=seat, linkedid=linkedid, number=str(a.get("number", "")), unit_code=a.get("unit_code")
            )
        if name == "emergency":
            linkedid = await self._own_call(who, seat, a.get("linkedid"))
            return EmergencyTransfer(
                seat=seat,
                linkedid=linkedid,
                target=a.get("target"),
                mode=a.get("mode", "blind"),
                reason=str(a.get("reason", "")),
            )
        if name == "hold":
            return Hold(seat=seat, linkedid=await self._own_call(who, seat, a.get("linkedid")))
        if name == "resume":
            return Resume(seat=seat, linkedid=await self._own_call(who, seat, a.get("linkedid")))
        if name == "hangup":
            linkedid = await self._own_call(who, seat, a.get("linkedid"))
            call = await store.call_state(self._redis, self._prefix, linkedid)
            if call is None or not call.seat_channel:
                raise CommandError("当前没有可挂断的通话")
            return HangupChannel(channel=call.seat_channel)
        if name == "spy":
            return Spy(supervisor=str(a.get("supervisor", "")), seat=seat, mode=a.get("mode"))
        if name == "survey_callback":
            return SurveyCallback(ticket_no=str(a.get("ticket_no", "")), phone=str(a.get("phone", "")))
        if name == "missed_callback":
            return MissedCallback(seat=seat, phone=str(a.get("phone", "")))
        raise CommandError(f"未知操作 {name}")


def build_service(
    settings: Settings, redis: Redis, config: SessionConfig | None = None, db: Database | None = None
) -> WsService:
    hub = Hub()
    deps = SessionDeps(
        hub=hub,
        authenticate=authenticator(settings, TokenChecker(settings, redis, db) if db is not None else None),
        snapshot=snapshots(settings, redis),
        commands=DeskCommands(settings, redis),
        config=config or SessionConfig(),
    )
    pattern = channel(settings.redis_prefix, "*")
    bridge = RedisBridge(redis, hub, [pattern], route_notifier(settings.redis_prefix))
    return WsService(deps, bridge)


async def _build_from_app(app: Any) -> WsService:
    return build_service(app.state.settings, app.state.redis, db=app.state.db)


router = ws_router(_build_from_app)

"""How the websocket layer plugs into the rest of the hotline.

- Tokens: the REST API's check (`agent_desk.api.token_check.TokenChecker`: JWT signature, key,
  audience, expiry, account active and token version; role, unit and extension from the account),
  run again on every client message, so an expired token or a deactivated user ends the session
  at its next message.
- Topics (`access.TOPIC_KINDS`): `wallboard` ← notifier channel `<prefix>events:wallboard`,
  callers masked in its snapshot and deltas at the ticket policy's masked level (`masking`);
  `seat:<ext>` ← channel `<prefix>events:desk:<ext>`; snapshots from `callflow.store`.
  `unit:<code>` ← channel `<prefix>events:unit:<code>` (`tickets.unit_events`, published by the
  REST layer after a commit), reduced to the policy's unit delta (`masking.unit_view`); its
  snapshot holds no tickets: the portal reads them through the REST API, which applies the
  privacy policy, and then applies the deltas.
- Commands: the desk's buttons become `callflow.commands` requests on the Redis command bus,
  parsed once with the registry's adapter (the wire name is the command's `type`); a seat may
  only act on its own line and on the call that line is on.

`router` is the APIRouter that `agent_desk.app` includes; its lifespan builds a `WsService` from
`app.state.settings` / `app.state.redis`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis

from agent_desk.api.token_check import TokenChecker
from agent_desk.api.tokens import InvalidToken, MalformedToken
from agent_desk.ws.access import (
    SEAT_PREFIX,
    UNIT_PREFIX,
    WALLBOARD,
    AuthError,
    MalformedAuth,
    Principal,
    seat_topic,
    unit_topic,
)
from agent_desk.ws.bridge import RedisBridge, Routed
from agent_desk.ws.hub import Hub
from agent_desk.ws.masking import masked, unit_view
from agent_desk.ws.routes import ws_router
from agent_desk.ws.service import WsService
from agent_desk.ws.session import CommandError, SessionConfig, SessionDeps
from callflow import store
from callflow.commands import COMMANDS_BY_NAME, Command, CommandClient, HangupChannel, parse_command
from callflow.notifier import channel
from core.settings import Settings
from tickets.db import Database
from tickets.unit_events import unit_channel

COMMAND_TIMEOUT_S = 5.0


def authenticator(checker: TokenChecker) -> Callable[[str], Any]:
    """The REST API's token check; who the principal is comes from the account, not the token."""

    async def authenticate(token: str) -> Principal:
        try:
            identity = await checker.verify(token)
        except MalformedToken as exc:
            raise MalformedAuth(exc.reason) from exc
        except InvalidToken as exc:
            raise AuthError(exc.reason) from exc
        return Principal(
            username=identity.username,
            role=identity.role.value,
            display_name=identity.display_name or identity.username,
            extension=identity.extension,
            unit_codes=frozenset({identity.unit_code}) if identity.unit_code else frozenset(),
        )

    return authenticate


def route_notifier(prefix: str) -> Callable[[str, dict[str, Any]], list[Routed]]:
    """Maps callflow.notifier channels to hub topics."""
    wallboard = channel(prefix, "wallboard")
    desk = channel(prefix, "desk:")
    unit = unit_channel(prefix, "")

    def route(name: str, message: dict[str, Any]) -> list[Routed]:
        if name == wallboard:
            # A wall screen is public to the room: numbers masked for every role.
            return [Routed(WALLBOARD, message["op"], masked(message.get("data")))]
        if name.startswith(unit):
            code = name[len(unit) :]
            # Only the policy's unit delta reaches a unit (agent_desk.ws.masking.unit_view).
            op = message["op"]
            return [Routed(unit_topic(code), op, unit_view(op, message.get("data")))] if code else []
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
                **masked(snap.model_dump(mode="json")),
                "queue_titles": queue_titles,
                "ring_misses": masked([m.model_dump(mode="json") for m in misses[-50:]]),
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
        self._emergency = settings.emergency_targets()

    async def __call__(self, who: Principal, name: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            command = await self._build(who, name, args)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = first["loc"][1:] if first["loc"][:1] == (name,) else first["loc"]  # the union's tag
            raise CommandError(f"参数错误:{'.'.join(str(p) for p in loc)} {first['msg']}") from exc
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
        """The wire's {name, args} parsed once into the registry's command (callflow.commands).

        What the desk may leave out or must not choose is filled in from the seat's line first: a
        command about a call acts on the call the line is on, and a hang-up ends the seat's own leg.
        """
        cls = COMMANDS_BY_NAME.get(name)
        if cls is None:
            raise CommandError(f"未知操作 {name}")
        data: dict[str, Any] = {**a, "type": name}
        if "linkedid" in cls.model_fields or cls is HangupChannel:
            linkedid = await self._own_call(who, str(a.get("seat", "")), a.get("linkedid"))
            data["linkedid"] = linkedid
            if cls is HangupChannel:
                call = await store.call_state(self._redis, self._prefix, linkedid)
                if call is None or not call.seat_channel:
                    raise CommandError("当前没有可挂断的通话")
                data["channel"] = call.seat_channel
        return parse_command(data, self._emergency)


def build_service(
    settings: Settings, redis: Redis, db: Database, config: SessionConfig | None = None
) -> WsService:
    hub = Hub()
    deps = SessionDeps(
        hub=hub,
        authenticate=authenticator(TokenChecker(settings, redis, db)),
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

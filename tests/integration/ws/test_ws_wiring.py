"""The websocket layer wired to the real token check, callflow's Redis state and its command bus."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from agent_desk.api.tokens import issue_token, new_claims
from agent_desk.ws.access import AuthError, Principal
from agent_desk.ws.session import CommandError
from agent_desk.ws.wiring import DeskCommands, authenticator, route_notifier, snapshots
from callflow.commands import Command, CommandReply, CommandServer
from callflow.store import Keys
from callflow.views import CallView, SeatView
from hotline.settings import Settings
from tickets.actors import Actor
from tickets.vocab import Role

SEAT = Principal(username="seat1001", role="seat", extension="1001")
SUPERVISOR = Principal(username="supervisor", role="supervisor")
NOW = datetime.now(UTC)


async def test_tokens_of_the_rest_api_open_the_websocket(settings: Settings) -> None:
    authenticate = authenticator(settings)
    actor = Actor(username="seat1001", role=Role.SEAT, unit_code="centre", extension="1001")
    token = issue_token(settings.token_secret, new_claims(actor, "话务员1001", NOW))
    who = await authenticate(token)
    assert who == Principal(
        username="seat1001",
        role="seat",
        display_name="话务员1001",
        extension="1001",
        unit_codes=frozenset({"centre"}),
    )
    expired = issue_token(settings.token_secret, new_claims(actor, None, NOW - timedelta(days=2)))
    with pytest.raises(AuthError, match="过期"):
        await authenticate(expired)
    with pytest.raises(AuthError, match="签名"):
        await authenticate(token[:-2] + "xx")


def test_notifier_channels_map_to_topics() -> None:
    route = route_notifier("p:")
    assert [(r.topic, r.op) for r in route("p:events:wallboard", {"op": "seat", "data": {}})] == [
        ("wallboard", "seat")
    ]
    assert [(r.topic, r.op) for r in route("p:events:desk:1001", {"op": "connect", "data": {}})] == [
        ("seat:1001", "connect")
    ]
    assert route("p:events:desk:", {"op": "x"}) == []
    assert [(r.topic, r.op) for r in route("p:events:unit:u-water", {"op": "ticket", "data": {}})] == [
        ("unit:u-water", "ticket")
    ]
    assert route("p:events:unit:", {"op": "ticket"}) == []
    assert route("other:events:wallboard", {"op": "x"}) == []


async def _put_line(redis: Redis, prefix: str) -> None:
    keys = Keys(prefix)
    seat = SeatView(
        ext="1001", name="坐席1001", state="talking", since=NOW, linkedid="L1", caller="13800000001"
    )
    call = CallView(
        linkedid="L1",
        caller="13800000001",
        channel="PJSIP/world-00000001",
        state="talking",
        started_at=NOW,
        seat="1001",
        seat_channel="PJSIP/1001-00000002",
    )
    await redis.hset(keys.seats, "1001", seat.model_dump_json())
    await redis.hset(keys.calls, "L1", call.model_dump_json())


async def test_snapshots_read_callflow_state(settings: Settings, redis: Redis) -> None:
    snapshot = snapshots(settings, redis)
    empty = await snapshot("wallboard", SUPERVISOR)
    assert empty["queues"] == [] and empty["seats"] == [] and empty["queue_titles"]["q-general"] == "综合服务"
    await _put_line(redis, settings.redis_prefix)
    desk = await snapshot("seat:1001", SEAT)
    assert desk["seat"]["state"] == "talking"
    assert desk["call"]["caller"] == "13800000001"
    assert desk["ring_timeout_s"] == 15  # 004 §11: three rings of 5 s
    board = await snapshot("wallboard", SUPERVISOR)
    assert [s["ext"] for s in board["seats"]] == ["1001"]
    # A unit's snapshot carries no tickets: the portal reads them through the REST API.
    assert await snapshot("unit:x", SUPERVISOR) == {"unit": "x", "tickets": None, "fetch": "rest"}
    with pytest.raises(ValueError, match="no snapshot"):
        await snapshot("other:x", SUPERVISOR)


@pytest.fixture
async def executed(settings: Settings, redis: Redis) -> AsyncIterator[list[Command]]:
    """The AMI role's side of the bus, with an executor that records instead of talking to AMI."""
    seen: list[Command] = []

    async def execute(command: Command) -> CommandReply:
        seen.append(command)
        if getattr(command, "reason", None) == "故障":
            return CommandReply.fail("ami_error", "呼叫控制执行失败")
        return CommandReply.success("已完成", type=command.type)

    server = CommandServer(redis, settings.redis_prefix, execute, block_s=0.1)
    task = asyncio.create_task(server.run())
    yield seen
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_desk_commands_go_over_the_bus(
    settings: Settings, redis: Redis, executed: list[Command]
) -> None:
    await _put_line(redis, settings.redis_prefix)
    run = DeskCommands(settings, redis)
    assert await run(SEAT, "ready", {"seat": "1001"}) == {"message": "已完成", "type": "ready"}
    await run(SEAT, "attach_ticket", {"seat": "1001", "linkedid": "L1", "ticket_no": "12345-1"})
    await run(SEAT, "hangup", {"seat": "1001"})
    await run(SEAT, "emergency", {"seat": "1001", "linkedid": "L1", "target": "119", "reason": "着火"})
    await run(SUPERVISOR, "spy", {"supervisor": "1003", "seat": "1001", "mode": "whisper"})
    assert [c.type for c in executed] == ["ready", "attach_ticket", "hangup", "emergency", "spy"]
    assert executed[2].model_dump()["channel"] == "PJSIP/1001-00000002"  # the seat's own leg
    # Hold / resume act on the call the seat's line is on, found when the desk gives no linkedid.
    await run(SEAT, "hold", {"seat": "1001"})
    await run(SEAT, "resume", {"seat": "1001", "linkedid": "L1"})
    assert [c.model_dump() for c in executed[5:]] == [
        {"type": "hold", "seat": "1001", "linkedid": "L1"},
        {"type": "resume", "seat": "1001", "linkedid": "L1"},
    ]


@pytest.mark.parametrize(
    ("args", "name", "error"),
    [
        ({"seat": "1001", "linkedid": "L9", "ticket_no": "X"}, "attach_ticket", "不在您的分机上"),
        ({"seat": "1002"}, "hangup", "当前没有通话"),
        ({"seat": "1002"}, "hold", "当前没有通话"),
        ({"seat": "1001", "linkedid": "L9"}, "resume", "不在您的分机上"),
        ({"seat": "1001"}, "not_ready", "参数错误"),
        ({"seat": "1001", "linkedid": "L1", "target": "999", "reason": "x"}, "emergency", "参数错误"),
        ({"seat": "1001", "reason": "故障"}, "not_ready", "呼叫控制执行失败"),
        ({"seat": "1001"}, "teleport", "未知操作"),
    ],
)
async def test_desk_command_refusals(
    settings: Settings, redis: Redis, executed: list[Command], args: dict[str, str], name: str, error: str
) -> None:
    await _put_line(redis, settings.redis_prefix)
    with pytest.raises(CommandError, match=error):
        await DeskCommands(settings, redis)(SEAT, name, args)

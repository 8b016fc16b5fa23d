"""The websocket layer wired to the real token check, callflow's Redis state and its command bus."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from agent_desk.api.token_check import TokenChecker
from agent_desk.api.tokens import TokenKeys, issue_token, new_claims
from agent_desk.ws.access import WALLBOARD, AuthError, Principal, may_subscribe
from agent_desk.ws.masking import WALLBOARD_LEVEL
from agent_desk.ws.session import CommandError
from agent_desk.ws.wiring import DeskCommands, authenticator, route_notifier, snapshots
from callflow.commands import Command, CommandReply, CommandServer
from callflow.store import Keys
from callflow.views import CallView, SeatView
from core.settings import Settings
from tests.integration.tickets.helpers import seeded
from tickets.db import Database
from tickets.policy import Level, Relation, access
from tickets.vocab import Role

SEAT = Principal(username="seat1001", role="seat", extension="1001")
SUPERVISOR = Principal(username="supervisor", role="supervisor")
NOW = datetime.now(UTC)


async def test_tokens_of_the_rest_api_open_the_websocket(settings: Settings, redis: Redis) -> None:
    seeded_settings = seeded(settings, settings.database_url)
    db = Database(seeded_settings.database_url, pool_size=1)
    try:
        authenticate = authenticator(TokenChecker(seeded_settings, redis, db))
        keys = TokenKeys.from_settings(seeded_settings)
        aud = seeded_settings.token_audience
        token = issue_token(keys, new_claims("seat1001", 0, aud, NOW))
        who = await authenticate(token)
        # Role, name, unit and extension are the account's (the token carries none of them).
        assert who == Principal(
            username="seat1001",
            role="seat",
            display_name="话务员1001",
            extension="1001",
            unit_codes=frozenset({"centre"}),
        )
        expired = issue_token(keys, new_claims("seat1001", 0, aud, NOW - timedelta(days=2)))
        forged_keys = TokenKeys.single(keys.current_id, "f" * 40, aud)
        refused = [
            (expired, "过期"),
            (issue_token(forged_keys, new_claims("admin", 0, aud, NOW)), "签名"),
            ("令牌", "格式"),
            ("a.b.c", "格式"),
            (issue_token(keys, new_claims("seat1001", 0, "elsewhere", NOW)), "不属于本系统"),
            (issue_token(TokenKeys.single("k9", "z" * 40, aud), new_claims("seat1001", 0, aud, NOW)), "密钥"),
        ]
        for bad, why in refused:
            with pytest.raises(AuthError, match=why):
                await authenticate(bad)
    finally:
        db.dispose()


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


def test_wallboard_deltas_carry_masked_numbers_and_desk_deltas_the_real_one() -> None:
    route = route_notifier("p:")
    queue = {"name": "q-general", "waiting": [{"linkedid": "L1", "caller": "13812345678", "position": 1}]}
    call = {
        "linkedid": "L1",
        "caller": "13812345678",
        "caller_name": "张三",
        "ivr": {"transcript": "我的电话13812345678"},
    }
    alerts = [
        {
            "kind": "queue_wait_limit",
            "queue": "q-general",
            "linkedid": "L1",
            "caller": "13812345678",
            "wait_s": 90,
        },
        {"kind": "emergency", "linkedid": "L1", "caller": "13812345678", "target": "119", "source": "ivr"},
        {"kind": "watch_caller", "linkedid": "L1", "caller": "13812345678", "queue": "q-watch"},
    ]
    messages: list[dict[str, Any]] = [
        {"op": "queue", "data": queue},
        {"op": "seat", "data": {"ext": "1001", "state": "talking", "caller": "13812345678"}},
        {"op": "call", "data": call},
        *({"op": "alert", "data": a} for a in alerts),
    ]
    for message in messages:
        (routed,) = route("p:events:wallboard", message)
        text = json.dumps(routed.data, ensure_ascii=False)
        assert "13812345678" not in text and "138****5678" in text, text
    (board_call,) = route("p:events:wallboard", {"op": "call", "data": call})
    assert board_call.data["caller_name"] == "张**"
    assert call["caller"] == "13812345678"  # the message itself is not changed
    (desk,) = route("p:events:desk:1001", {"op": "ring", "data": {"linkedid": "L1", "caller": "13812345678"}})
    assert desk.data["caller"] == "13812345678"


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
    # The wall screen is public to the room: masked for every role, the seat's own desk is not.
    assert [s["caller"] for s in board["seats"]] == ["138****0001"]
    assert [c["caller"] for c in board["calls"]] == ["138****0001"]
    assert "13800000001" not in json.dumps(board)
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

    server = CommandServer(
        redis, settings.redis_prefix, execute, emergency_numbers=settings.emergency_targets(), block_s=0.1
    )
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


async def test_a_deployments_own_emergency_number_goes_over_the_bus(settings: Settings, redis: Redis) -> None:
    """fire → the city's 96119 instead of 119: the desk's parse, the bus and the executor agree."""
    local = settings.model_copy(
        update={"emergency_numbers": {"fire": "96119", "police": "110", "medical": "120", "traffic": "122"}}
    )
    seen: list[Command] = []

    async def execute(command: Command) -> CommandReply:
        seen.append(command)
        return CommandReply.success("已完成")

    server = CommandServer(
        redis, local.redis_prefix, execute, emergency_numbers=local.emergency_targets(), block_s=0.1
    )
    task = asyncio.create_task(server.run())
    try:
        await _put_line(redis, local.redis_prefix)
        run = DeskCommands(local, redis)
        await run(SEAT, "emergency", {"seat": "1001", "linkedid": "L1", "target": "96119", "reason": "着火"})
        assert [c.model_dump()["target"] for c in seen] == ["96119"]
        refused = {"seat": "1001", "linkedid": "L1", "target": "119", "reason": "着火"}
        with pytest.raises(CommandError, match=r"参数错误:target .*119 不是本地紧急号码"):
            await run(SEAT, "emergency", refused)
        assert len(seen) == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_the_wallboard_masks_what_the_caller_said_and_keyed_by_content() -> None:
    """issue 11: the wall screen shows no caller's data to anyone, also inside the IVR transcript
    (name forms, ID number, landline, flat) and the digits keyed in; the seat's desk keeps it all."""
    route = route_notifier("p:")
    said = "我是赵志刚,赵先生,身份证430105198202036695,座机0731-88214576,住华夏小区5栋4单元1108室"
    call = {
        "linkedid": "L1",
        "caller": "13574620918",
        "caller_name": "赵志刚",
        "ivr": {"transcript": said, "dtmf": "430105198202036695"},
    }
    (board,) = route("p:events:wallboard", {"op": "call", "data": call})
    text = json.dumps(board.data, ensure_ascii=False)
    for datum in ("赵志刚", "赵先生", "430105198202036695", "88214576", "1108室", "13574620918"):
        assert datum not in text, (datum, text)
    assert board.data["caller"] == "135****0918" and board.data["caller_name"] == "赵**"
    assert "赵**" in board.data["ivr"]["transcript"] and "华夏小区" in board.data["ivr"]["transcript"]
    (desk,) = route("p:events:desk:1001", {"op": "call", "data": call})
    assert desk.data == call


def test_unit_topics_carry_only_the_policys_unit_delta() -> None:
    """A unit's topic gets the fields of tickets.policy.live.UnitDelta and nothing a publisher added."""
    route = route_notifier("p:")
    delta = {
        "unit_code": "u-water",
        "ticket_no": "12345-20261118-000001",
        "status": "dispatched",
        "priority": 0,
    }
    leaked = {**delta, "citizen_phone": "13812345678", "content": "张三投诉"}
    (routed,) = route("p:events:unit:u-water", {"op": "ticket", "data": leaked})
    assert routed.data == delta
    (other,) = route("p:events:unit:u-water", {"op": "refresh", "data": {"citizen_name": "张三"}})
    assert (other.op, other.data) == ("refresh", None)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.SYSTEM])
def test_who_may_watch_a_topic_is_shown_no_more_than_the_ticket_policy_allows(role: Role) -> None:
    """The live topics agree with tickets.policy: a seat's desk topic (the caller unmasked) goes only
    to roles the policy shows a caller in full; the wallboard's level is no more than any watcher's."""
    who = Principal(
        username=f"u-{role}", role=role.value, extension="1001", unit_codes=frozenset({"u-water"})
    )
    order = [Level.HIDDEN, Level.MASKED, Level.FULL]
    shown = access(role, Relation.NONE).identity
    if may_subscribe(who, "seat:1001"):
        assert shown == Level.FULL, role
    if may_subscribe(who, WALLBOARD):
        assert order.index(WALLBOARD_LEVEL) <= order.index(shown), role
    # Admins watch no seat's line (issue 11: no seat's live caller number on any topic).
    assert may_subscribe(who, "seat:1001") == (role in (Role.SEAT, Role.SUPERVISOR))

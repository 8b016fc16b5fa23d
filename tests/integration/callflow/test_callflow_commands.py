"""Desk commands over the Redis bus to the AMI role, executed against the replay server."""

from __future__ import annotations

import asyncio
from pathlib import Path

from redis.asyncio import Redis

from callflow import store
from callflow.commands import (
    AttachTicket,
    CommandClient,
    EmergencyTransfer,
    HangupChannel,
    MissedCallback,
    SeatLogin,
    SetNotReady,
    Spy,
    SurveyCallback,
    ThreeWay,
)
from callflow.lease import Lease
from callflow.service import CallflowService
from callflow.store import Keys
from core.handoff import HandoffProducer
from core.settings import Settings
from tests.contract.callflow_harness import CallflowHarness
from tests.doubles.ami_server import AmiReplayServer

LINKEDID = "1795326409.0"
WAIT_S = 20.0


def sent(server: AmiReplayServer, action: str) -> list[dict[str, str]]:
    return [
        {k: v for k, v in a.items() if k != "ActionID"} for a in server.actions if a.get("Action") == action
    ]


async def test_commands_during_a_live_call(captures: Path, settings: Settings, redis: Redis) -> None:
    prefix = settings.redis_prefix
    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        h.server.hold_before("AgentComplete")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        client = CommandClient(redis, prefix)

        reply = await client.send(SeatLogin(seat="1002", queues=["q-general"]))
        assert reply.ok and reply.message == "已签入"
        assert sent(h.server, "QueueAdd") == [
            {
                "Action": "QueueAdd",
                "Queue": "q-general",
                "Interface": "PJSIP/1002",
                "MemberName": "坐席1002",
                "StateInterface": "PJSIP/1002",
                "Paused": "false",
                "Penalty": "0",
            }
        ]
        assert (await client.send(SeatLogin(seat="1002", queues=["q-nowhere"]))).code == "invalid"

        reply = await client.send(SetNotReady(seat="1001", reason="小休"))
        assert reply.ok
        assert sent(h.server, "QueuePause")[-1] == {
            "Action": "QueuePause",
            "Interface": "PJSIP/1001",
            "Paused": "true",
            "Reason": "小休",
        }
        assert (await client.send(SetNotReady(seat="1009", reason="小休"))).code == "conflict"

        reply = await client.send(AttachTicket(linkedid=LINKEDID, ticket_no="GD20261122-0001"))
        assert reply.ok
        await h.settle()
        call = await store.call_state(redis, prefix, LINKEDID)
        assert call is not None and call.ticket_no == "GD20261122-0001"
        assert (await client.send(AttachTicket(linkedid="nope", ticket_no="X"))).code == "not_found"

        reply = await client.send(
            ThreeWay(seat="1001", linkedid=LINKEDID, number="2001", unit_code="U-WATER")
        )
        assert reply.ok, reply
        conf = f"hl-{LINKEDID}"
        assert sent(h.server, "Setvar") == [
            {
                "Action": "Setvar",
                "Channel": "PJSIP/world-00000000",
                "Variable": "HOTLINE_TICKET",
                "Value": "GD20261122-0001",
            },
            {
                "Action": "Setvar",
                "Channel": "PJSIP/world-00000000",
                "Variable": "HOTLINE_CONF",
                "Value": conf,
            },
            {"Action": "Setvar", "Channel": "PJSIP/1001-00000001", "Variable": "HOTLINE_CONF", "Value": conf},
        ]
        assert sent(h.server, "Redirect") == [
            {
                "Action": "Redirect",
                "Channel": "PJSIP/world-00000000",
                "Context": "hotline-threeway",
                "Exten": "s",
                "Priority": "1",
                "ExtraChannel": "PJSIP/1001-00000001",
                "ExtraContext": "hotline-threeway",
                "ExtraExten": "s",
                "ExtraPriority": "1",
            }
        ]
        (originate,) = sent(h.server, "Originate")
        assert (originate["Channel"], originate["Context"], originate["Exten"], originate["Variable"]) == (
            "PJSIP/2001@world",
            "hotline-threeway",
            "s",
            f"HOTLINE_CONF={conf}",
        )
        await h.settle()
        call = await store.call_state(redis, prefix, LINKEDID)
        assert call is not None and [(t.kind, t.target, t.outcome, t.unit_code) for t in call.transfers] == [
            ("threeway", "2001", "pending", "U-WATER")
        ]

        reply = await client.send(
            EmergencyTransfer(
                seat="1001", linkedid=LINKEDID, target="119", mode="blind", reason="市民报告起火"
            )
        )
        assert reply.ok
        assert sent(h.server, "Redirect")[-1] == {
            "Action": "Redirect",
            "Channel": "PJSIP/world-00000000",
            "Context": "hotline-emergency",
            "Exten": "119",
            "Priority": "1",
        }

        reply = await client.send(Spy(supervisor="1003", seat="1001", mode="whisper"))
        assert reply.ok
        spy = sent(h.server, "Originate")[-1]
        assert (spy["Channel"], spy["Context"], spy["Exten"], spy["Variable"]) == (
            "PJSIP/1003",
            "hotline-spy",
            "whisper",
            "HOTLINE_SPY_TARGET=PJSIP/1001",
        )
        assert (await client.send(Spy(supervisor="1003", seat="1002", mode="listen"))).code == "conflict"

        assert (await client.send(SurveyCallback(ticket_no="GD20261122-0001", phone="13800000001"))).ok
        survey = sent(h.server, "Originate")[-1]
        assert (survey["Channel"], survey["Context"], survey["Variable"]) == (
            "PJSIP/13800000001@world",
            "hotline-survey",
            "HOTLINE_TICKET=GD20261122-0001",
        )
        assert (await client.send(MissedCallback(seat="1002", phone="13900000000"))).ok
        callback = sent(h.server, "Originate")[-1]
        assert callback["Channel"] == "PJSIP/1002" and callback["Context"] == "hotline-callback"

        assert (await client.send(HangupChannel(channel="PJSIP/1001-0000ffff"))).code == "not_found"
        assert (await client.send(HangupChannel(channel="PJSIP/1001-00000001"))).ok
        assert sent(h.server, "Hangup") == [{"Action": "Hangup", "Channel": "PJSIP/1001-00000001"}]

        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
        (referral,) = await h.referrals()
    assert record.ticket_no == "GD20261122-0001"
    assert [(t.kind, t.target) for t in record.transfers] == [
        ("threeway", "2001"),
        ("emergency_blind", "119"),
    ]
    assert (referral.linkedid, referral.target, referral.source, referral.seat, referral.reason) == (
        LINKEDID,
        "119",
        "seat",
        "1001",
        "市民报告起火",
    )
    alerts = [a for a in h.ops("wallboard", "alert") if a["kind"] == "emergency"]
    assert [(a["target"], a["source"]) for a in alerts] == [("119", "seat")]


async def test_no_ami_role_gives_a_clear_timeout(redis: Redis, redis_prefix: str) -> None:
    reply = await CommandClient(redis, redis_prefix).send(
        SetNotReady(seat="1001", reason="小休"), timeout_s=0.3
    )
    assert not reply.ok and reply.code == "timeout" and reply.message == "呼叫控制服务未响应，请稍后重试"
    # Withdrawn: a late AMI role will not pause the seat behind its back.
    assert await redis.llen(Keys(redis_prefix).commands) == 0


async def test_one_ami_consumer_per_asterisk_node(captures: Path, settings: Settings, redis: Redis) -> None:
    async with AmiReplayServer(captures / "answered_call") as server:
        s = settings.model_copy(update={"ami_port": server.port})
        producer = HandoffProducer(redis, s.redis_prefix, s.data_dir / "spool.jsonl")
        first = CallflowService(s, redis, producer, "node-a")
        second = CallflowService(s, redis, producer, "node-b")
        for svc in (first, second):
            svc.lease = Lease(redis, svc.lease.key, svc.node, ttl_s=0.6)
        task_a = asyncio.create_task(first.run())
        await asyncio.wait_for(first.connected.wait(), WAIT_S)
        task_b = asyncio.create_task(second.run())
        # node-b stands by while node-a renews the lease: it never logs in.
        for _ in range(3):
            await asyncio.sleep(second.lease.ttl_s / 3)
            assert await redis.get(first.lease.key) == b"node-a"
        assert server.logins == 1 and not second.connected.is_set()
        task_a.cancel()
        await asyncio.gather(task_a, return_exceptions=True)
        await asyncio.wait_for(second.connected.wait(), WAIT_S)
        assert await redis.get(first.lease.key) == b"node-b" and server.logins == 2
        task_b.cancel()
        await asyncio.gather(task_b, return_exceptions=True)


async def test_bad_login_is_retried_not_fatal(captures: Path, settings: Settings, redis: Redis) -> None:
    async with AmiReplayServer(captures / "answered_call", secret="right") as server:
        s = settings.model_copy(
            update={"ami_port": server.port, "ami_secret": "wrong", "ami_reconnect_max_s": 0.2}
        )
        svc = CallflowService(
            s, redis, HandoffProducer(redis, s.redis_prefix, s.data_dir / "spool.jsonl"), "n"
        )
        task = asyncio.create_task(svc.run())

        async def retried() -> None:
            while True:
                await asyncio.sleep(0.05)
                if server.connections >= 3:
                    return

        await asyncio.wait_for(retried(), WAIT_S)
        assert not svc.connected.is_set() and not task.done()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_threeway_command_outcome_from_originate_response(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    # threeway_with_unit recorded exactly this: Redirect citizen + seat, Originate the duty line 2001.
    async with CallflowHarness(captures / "threeway_with_unit", settings, redis) as h:
        h.server.hold_before("BridgeLeave")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        reply = await CommandClient(redis, settings.redis_prefix).send(
            ThreeWay(seat="1001", linkedid="1795326527.8", number="2001", unit_code="U-WATER")
        )
        assert reply.ok, reply
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
    # The recorded OriginateResponse (Reason 4) came back with our ActionID: answered, and the unit
    # leg entering the bridge did not add a second transfer.
    assert [(t.kind, t.target, t.outcome, t.unit_code, t.seat) for t in record.transfers] == [
        ("threeway", "2001", "answered", "U-WATER", "1001")
    ]
    assert record.outcome == "answered" and record.talk_s == 8.0


async def test_wrapup_ends_by_itself_and_logout(captures: Path, settings: Settings, redis: Redis) -> None:
    from callflow.commands import SeatLogout, Wrapup

    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        h.server.hold_before("QueueMemberRemoved")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        client = CommandClient(redis, settings.redis_prefix)
        reply = await client.send(Wrapup(seat="1001", seconds=1))
        assert reply.ok and reply.data == {"seconds": 1}
        # Asterisk confirms the pause (the replay does not know our action, so we play its event).
        await h.server.inject(
            "Event: QueueMemberPause\r\nQueue: q-general\r\nMemberName: 坐席1001\r\nInterface: PJSIP/1001\r\n"
            "StateInterface: PJSIP/1001\r\nMembership: dynamic\r\nPaused: 1\r\nPausedReason: 话后整理\r\n"
            "Wrapuptime: 0\r\n\r\n".encode()
        )
        await h.drain()
        await h.settle()
        seat = await store.seat_state(redis, settings.redis_prefix, "1001")
        assert seat is not None and (seat.state, seat.reason) == ("not_ready", "话后整理")

        async def unpaused() -> None:
            while True:
                await asyncio.sleep(0.05)
                if any(a.get("Paused") == "false" for a in sent(h.server, "QueuePause")):
                    return

        await asyncio.wait_for(unpaused(), WAIT_S)
        assert sent(h.server, "QueuePause") == [
            {"Action": "QueuePause", "Interface": "PJSIP/1001", "Paused": "true", "Reason": "话后整理"},
            {"Action": "QueuePause", "Interface": "PJSIP/1001", "Paused": "false"},
        ]
        reply = await client.send(SeatLogout(seat="1001"))
        assert reply.ok and reply.data == {"queues": ["q-general"]}
        assert sent(h.server, "QueueRemove")[-1] == {
            "Action": "QueueRemove",
            "Queue": "q-general",
            "Interface": "PJSIP/1001",
        }

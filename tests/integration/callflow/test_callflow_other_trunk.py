"""A deployment names its own trunk (HOTLINE_SOFTSWITCH__TRUNKS) and routes: the citizen's call is
still recognised, its seat gets the screen pop, and the calls the backend places go through the
routes of the softswitch settings (prefix, trunk, ring timeout). The replayed capture is the real
answered_call with only the trunk's channel names rewritten."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from redis.asyncio import Redis

from callflow import store
from callflow.commands import CommandClient, SurveyCallback, ThreeWay
from core.settings import Settings
from core.softswitch import SoftswitchSettings
from tests.contract.callflow_harness import CallflowHarness
from tests.integration.callflow.test_callflow_commands import LINKEDID, WAIT_S, sent

TRUNK = "cn-unicom"


def renamed_capture(captures: Path, tmp_path: Path) -> Path:
    target = tmp_path / "answered_call_other_trunk"
    shutil.copytree(captures / "answered_call", target)
    ami = target / "ami.jsonl"
    text = ami.read_text(encoding="utf-8")
    assert "PJSIP/world-" in text
    ami.write_text(text.replace("PJSIP/world-", f"PJSIP/{TRUNK}-"), encoding="utf-8")
    return target


def other_trunk(settings: Settings) -> Settings:
    route = {"trunk": TRUNK, "prefix": "9"}
    softswitch = SoftswitchSettings.model_validate(
        {
            "trunks": [{"name": TRUNK, "host": "10.0.0.1"}],
            "unit_route": route,
            "citizen_route": {"trunk": TRUNK, "prefix": "0"},
            "unit_ring_timeout_s": 40,
            "citizen_ring_timeout_s": 50,
            "emergency": {"primary": route, "alternative": None},
        }
    )
    return settings.model_copy(update={"softswitch": softswitch})


async def test_a_trunk_not_named_world(
    captures: Path, tmp_path: Path, settings: Settings, redis: Redis
) -> None:
    capture = renamed_capture(captures, tmp_path)
    async with CallflowHarness(capture, other_trunk(settings), redis) as h:
        h.server.hold_before("AgentComplete")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        call = await store.call_state(redis, settings.redis_prefix, LINKEDID)
        assert call is not None
        assert (call.channel, call.caller, call.seat) == (f"PJSIP/{TRUNK}-00000000", "13800000001", "1001")
        (connect,) = [d for t, op, d in h.deltas if t == "desk:1001" and op == "connect"]
        assert (connect["linkedid"], connect["caller"]) == (LINKEDID, "13800000001")
        assert connect["queue"] == "q-general"

        client = CommandClient(redis, settings.redis_prefix)
        reply = await client.send(
            ThreeWay(seat="1001", linkedid=LINKEDID, number="2001", unit_code="U-WATER")
        )
        assert reply.ok, reply
        (originate,) = sent(h.server, "Originate")
        assert (originate["Channel"], originate["Context"], originate["Timeout"]) == (
            f"PJSIP/92001@{TRUNK}",
            "hotline-threeway",
            "40000",
        )
        assert (await client.send(SurveyCallback(ticket_no="GD20261122-0001", phone="13800000001"))).ok
        survey = sent(h.server, "Originate")[-1]
        assert (survey["Channel"], survey["Timeout"]) == (f"PJSIP/013800000001@{TRUNK}", "50000")

        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
    assert (record.linkedid, record.outcome, record.seat, record.channel) == (
        LINKEDID,
        "answered",
        "1001",
        f"PJSIP/{TRUNK}-00000000",
    )

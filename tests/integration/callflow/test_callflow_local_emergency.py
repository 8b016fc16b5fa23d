"""A city whose fire line is its own 96119 (settings.emergency_numbers): a seat's blind emergency
transfer to it goes over the bus, is redirected into the emergency context at that extension,
and ends as a transfer and a referral record; the national 119 it does not use is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

from redis.asyncio import Redis

from callflow.commands import CommandClient, EmergencyTransfer, parse_command
from core import dialplan
from core.settings import Settings
from tests.contract.callflow_harness import CallflowHarness
from tests.integration.callflow.test_callflow_commands import LINKEDID, WAIT_S, sent

LOCAL = {"fire": "96119", "police": "110", "medical": "120", "traffic": "122"}


async def test_a_blind_transfer_to_the_citys_own_fire_line(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    local = settings.model_copy(update={"emergency_numbers": LOCAL})
    async with CallflowHarness(captures / "answered_call", local, redis) as h:
        h.server.hold_before("AgentComplete")
        await asyncio.wait_for(h.server.held.wait(), WAIT_S)
        await h.settle()
        client = CommandClient(redis, local.redis_prefix)
        data = {"type": "emergency", "seat": "1001", "linkedid": LINKEDID, "reason": "市民报告起火"}

        # Built in code without the deployment's numbers, 119 passes the model; the AMI role refuses it.
        refused = await client.send(EmergencyTransfer.model_validate({**data, "target": "119"}))
        assert (refused.ok, refused.code) == (False, "invalid"), refused
        assert "119 不是本地紧急号码" in refused.data["errors"][0]["msg"]
        assert sent(h.server, "Redirect") == []

        reply = await client.send(parse_command({**data, "target": "96119"}, local.emergency_targets()))
        assert reply.ok, reply
        assert sent(h.server, "Redirect") == [
            {
                "Action": "Redirect",
                "Channel": "PJSIP/world-00000000",
                "Context": dialplan.CTX_EMERGENCY,
                "Exten": "96119",
                "Priority": "1",
            }
        ]
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
        (referral,) = await h.referrals()
    assert [(t.kind, t.target) for t in record.transfers] == [("emergency_blind", "96119")]
    assert (referral.target, referral.source, referral.seat) == ("96119", "seat", "1001")
    alerts = [a for a in h.ops("wallboard", "alert") if a["kind"] == "emergency"]
    assert [a["target"] for a in alerts] == ["96119"]

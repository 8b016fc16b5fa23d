"""The IVR's whole result over real TCP: the answered_call capture (which carries the captured
HOTLINE_QUEUE / HOTLINE_CATEGORY VarSets) with the VarSets the current IVR also sets injected on
the citizen's channel before it joins the queue; the call record and the seat's screen pop carry
them, in the ticket engine's codes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from redis.asyncio import Redis

from core import dialplan
from core.settings import Settings
from tests.contract.callflow_harness import CallflowHarness

CITIZEN = {
    "Channel": "PJSIP/world-00000000",
    "ChannelState": "6",
    "ChannelStateDesc": "Up",
    "CallerIDNum": "13800000001",
    "CallerIDName": "市民",
    "ConnectedLineNum": "<unknown>",
    "ConnectedLineName": "<unknown>",
    "Language": "en",
    "AccountCode": "",
    "Context": "from-trunk",
    "Exten": "12345",
    "Priority": "4",
    "Uniqueid": "1795326409.0",
    "Linkedid": "1795326409.0",
}


def varset(variable: str, value: str) -> bytes:
    fields = {"Event": "VarSet", "Privilege": "dialplan,all", **CITIZEN, "Variable": variable, "Value": value}
    return ("".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


async def test_ivr_variables_reach_the_record_and_the_desk(
    captures: Path, settings: Settings, redis: Redis
) -> None:
    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        h.server.hold_before("QueueCallerJoin")
        await asyncio.wait_for(h.server.held.wait(), 20)
        for variable, value in (
            (dialplan.VAR_CATEGORY, "env.noise"),
            (dialplan.VAR_PRIORITY, "10"),
            (dialplan.VAR_TICKET_TYPE, "投诉"),
            (dialplan.VAR_UNIT, "dept-env"),
        ):
            await h.server.inject(varset(variable, value))
        await h.settle()
        h.server.resume()
        await h.run_to_end()
        (record,) = await h.calls()
    assert record.outcome == "answered" and record.ivr is not None
    ivr = record.ivr
    assert (ivr.queue, ivr.category, ivr.priority, ivr.ticket_type, ivr.suggested_unit) == (
        "q-general",
        "env.noise",
        10,
        "投诉",
        "dept-env",
    )
    (connect,) = h.ops("desk:1001", "connect")
    assert connect["ivr"]["category"] == "env.noise" and connect["ivr"]["suggested_unit"] == "dept-env"
    assert (connect["ivr"]["priority"], connect["ivr"]["ticket_type"]) == (10, "投诉")


async def test_captured_variables_only(captures: Path, settings: Settings, redis: Redis) -> None:
    async with CallflowHarness(captures / "answered_call", settings, redis) as h:
        await h.run_to_end()
        (record,) = await h.calls()
    # The recording's IVR set no priority, type or unit: they stay unknown, not invented.
    assert record.ivr is not None
    assert (record.ivr.priority, record.ivr.ticket_type, record.ivr.suggested_unit) == (None, None, None)

"""A deployment's own emergency numbers (settings.emergency_numbers) classify bridged legs and
make the seat's referrals, and the national numbers it does not use do neither (DOMAIN.md §3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from callflow import records, transfers
from callflow.ami.protocol import AmiParser
from callflow.commands import EmergencyTransfer
from callflow.executor import CommandExecutor
from callflow.handlers import build_dispatcher
from callflow.live import Call, LiveState, PublishRecord
from core.contracts import EmergencyReferral
from core.settings import Settings

# fire goes to the city's own fire line 96119, and a sea rescue line is added.
LOCAL = {"fire": "96119", "police": "110", "medical": "120", "traffic": "122", "sea": "12395"}


def talking_call(captures: Path, settings: Settings) -> tuple[LiveState, Call]:
    """The answered_call capture fed up to the citizen's hang-up: seat 1001 is talking."""
    state = LiveState(settings.model_copy(update={"emergency_numbers": LOCAL}))
    dispatcher = build_dispatcher(state)
    for line in (captures / "answered_call" / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] != "recv" or not entry["raw"].startswith("Event: "):
            continue
        if entry["raw"].startswith("Event: HangupRequest"):
            break
        for block in AmiParser().feed(entry["raw"].encode()):
            dispatcher.dispatch_raw(block)
    (call,) = state.calls.values()
    assert call.seat == "1001" and call.answered_at is not None
    return state, call


def test_a_bridged_leg_is_an_emergency_transfer_by_the_deployments_numbers(
    captures: Path, settings: Settings
) -> None:
    state, call = talking_call(captures, settings)
    for target in ("96119", "12395", "119", "2001"):
        transfers.unit_joined(state, call, target)
    assert [(t.kind, t.target, t.outcome) for t in call.transfers] == [
        ("emergency_threeway", "96119", "answered"),
        ("emergency_threeway", "12395", "answered"),
        ("threeway", "119", "answered"),  # not an emergency line of this city
        ("threeway", "2001", "answered"),
    ]


def test_only_the_deployments_numbers_become_referral_records(captures: Path, settings: Settings) -> None:
    state, call = talking_call(captures, settings)
    transfers.add_referral(state, call, "96119", "市民报告起火", "1001")
    transfers.add_referral(state, call, "119", "市民报告起火", "1001")
    state.effects.clear()
    for ref in call.referrals:
        records.publish_referral(state, call, ref)
    published = [e.record for e in state.effects if isinstance(e, PublishRecord)]
    assert [(r.target, r.source, r.seat) for r in published if isinstance(r, EmergencyReferral)] == [
        ("96119", "seat", "1001")
    ]
    assert len(published) == 1


async def test_the_executor_refuses_a_number_the_deployment_does_not_use(
    captures: Path, settings: Settings
) -> None:
    state, call = talking_call(captures, settings)
    # Built in code, the model only knows the defaults; no AMI action is tried (there is no AMI here).
    cmd = EmergencyTransfer(seat="1001", linkedid=call.linkedid, target="119", reason="市民报告起火")
    reply = await CommandExecutor(cast(Any, None), state)(cmd)
    assert (reply.ok, reply.code, reply.message) == (False, "invalid", "119 不是本地配置的紧急号码")
    assert call.transfers == [] and call.referrals == []

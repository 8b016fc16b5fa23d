"""A deployment's own emergency numbers (settings.emergency_numbers) classify bridged legs and
make the seat's referrals, and the national numbers it does not use do neither (DOMAIN.md §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from callflow import records, transfers
from callflow.commands import EmergencyTransfer
from callflow.executor import CommandExecutor
from callflow.live import Call, LiveState, PublishRecord
from core.contracts import EmergencyReferral
from core.settings import Settings
from tests.unit.callflow import streams

# fire goes to the city's own fire line 96119, and a sea rescue line is added.
LOCAL = {"fire": "96119", "police": "110", "medical": "120", "traffic": "122", "sea": "12395"}


def talking_call(captures: Path, settings: Settings) -> tuple[LiveState, Call]:
    """The answered_call capture fed up to the citizen's hang-up, on the deployment's own numbers."""
    state, call = streams.talking_call(captures, settings.model_copy(update={"emergency_numbers": LOCAL}))
    assert call.answered_at is not None
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

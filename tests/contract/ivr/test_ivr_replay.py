"""Every recorded FastAGI session (tests/data/captures/*/agi-*.jsonl) against the real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from redis.asyncio import Redis

from core.contracts import EmergencyReferral, SurveyResult
from core.dialplan import (
    VAR_ACTION,
    VAR_CATEGORY,
    VAR_DTMF,
    VAR_EMERGENCY_SERVICE,
    VAR_PRIORITY,
    VAR_QUEUE,
    VAR_TARGET,
    VAR_TICKET,
    VAR_TICKET_TYPE,
    VAR_UNIT,
)
from core.settings import Settings
from ivr.classify import CATEGORIES, Classifier, load_shipped_model
from tests.conftest import CAPTURES as CAPTURES_DIR
from tests.contract.ivr.asterisk_double import CapturedChannel, load_capture, play_session, verb_of
from tests.contract.ivr.harness import TextTranscriber, handed_off, running_ivr

CAPTURES = sorted(CAPTURES_DIR.glob("*/agi-*.jsonl"))
# What the citizens said in the recorded calls (tests/data/captures/README.md, audio/).
SAID = {
    # An unambiguous environment complaint: construction noise (楼下工地…施工噪音) the category
    # model files under 城乡建设 (施工 weighs more than 噪音 in 1,470 written messages).
    "answered_call": "化工厂天天往河里排污水臭得不行我要投诉",
    "emergency_from_ivr": "我家厨房着火了火很大快来人",
    "hangup_during_ivr": "我想问一下",
}
KNOWN_VERBS = {"ANSWER", "STREAM FILE", "GET DATA", "RECORD FILE", "SET VARIABLE", "GET VARIABLE"}


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    c = Classifier(load_shipped_model())
    c.warm_up()
    return c


def test_every_capture_is_replayed(captures: Path) -> None:
    found = sorted(captures.glob("*/agi-*.jsonl"))
    assert found == CAPTURES and len(found) >= 20


@pytest.mark.parametrize("path", CAPTURES, ids=_id)
async def test_replay(path: Path, settings: Settings, redis: Redis, classifier: Classifier) -> None:
    capture = load_capture(path)
    scenario = path.parent.name
    speech = TextTranscriber(SAID.get(scenario, "")) if capture.has("RECORD FILE") else None
    settings.ivr_dtmf_menu = capture.script == "ivr" and capture.has("GET DATA")
    variables: dict[str, str] = {}
    if capture.script == "survey":
        # The recording dialplan called the ticket variable TICKET; ours is core.dialplan's.
        variables[VAR_TICKET] = CapturedChannel(capture).variables["TICKET"]
    channel = CapturedChannel(capture, variables)

    async with running_ivr(settings, redis, speech=speech, classifier=classifier) as ivr:
        log = await play_session(ivr.port, capture.env, channel.answer)
        await ivr.deps.drain()
        stats = ivr.server.stats

    assert log.closed_by_server
    assert {verb_of(c) for c in log.commands} <= KNOWN_VERBS
    assert stats.failures == 0 and stats.timeouts == 0
    records = await handed_off(redis, settings.redis_prefix)

    if capture.script == "survey":
        assert stats.completed == 1
        (survey,) = records
        assert isinstance(survey, SurveyResult)
        assert survey.ticket_no == "T-20261122-0007"
        # The citizen pressed 3 (不满意) and nothing valid for "resolved", twice.
        assert survey.satisfaction == "dissatisfied" and survey.resolved is None and survey.answered
        assert sum(verb_of(c) == "GET DATA" for c in log.commands) == 3
        return

    did_queue = settings.dids[capture.env_value("agi_dnid")]
    if scenario == "hangup_during_ivr":
        assert stats.hangups == 1
        assert channel.set == {VAR_QUEUE: did_queue}  # the dialplan still has its queue
        assert records == [] and speech is not None and speech.paths == []
        # Nothing but variables after the HANGUP: the session stopped at the first 511.
        dead = log.commands[log.commands.index(next(c for c in log.commands if c.startswith("RECORD"))) + 1 :]
        assert [verb_of(c) for c in dead if verb_of(c) not in ("SET VARIABLE", "GET VARIABLE")] == []
        return

    assert stats.completed == 1
    if scenario == "emergency_from_ivr":
        assert channel.set[VAR_ACTION] == "emergency"
        assert channel.set[VAR_TARGET] == "119"
        assert channel.set[VAR_EMERGENCY_SERVICE] == "fire"
        assert VAR_CATEGORY not in channel.set  # no category of the tree: the call leaves the hotline
        (referral,) = records
        assert isinstance(referral, EmergencyReferral)
        assert referral.target == "119" and referral.source == "ivr" and referral.reason == "fire"
        assert referral.caller == capture.env_value("agi_callerid")
        assert referral.linkedid == capture.env_value("agi_uniqueid")
        assert referral.transcript == SAID[scenario]
        return

    assert channel.set[VAR_ACTION] == "queue"
    assert channel.set[VAR_QUEUE] == did_queue
    assert records == []
    if scenario == "answered_call":
        assert speech is not None and [p.name for p in speech.paths] == [
            f"utt-{capture.env_value('agi_uniqueid')}.wav"
        ]
        # The ticket engine's codes (tickets/demo.py tree): environment → env, led by dept-env.
        assert (channel.set[VAR_CATEGORY], channel.set[VAR_UNIT]) == CATEGORIES["环境保护"]
        assert channel.set[VAR_TICKET_TYPE] == "投诉"
        assert channel.set[VAR_PRIORITY] == "0"
    if scenario == "dtmf_at_prompt":
        assert any(c.startswith("GET DATA") for c in log.commands)
        # The caller pressed 1 (`200 result=1`): the key is left on the channel for callflow.
        assert channel.set[VAR_DTMF] == "1"


async def test_busy_minute_all_at_once(settings: Settings, redis: Redis) -> None:
    """The 14 calls of busy_minute arrive together (they came 3 s apart in the recording)."""
    paths = [p for p in CAPTURES if p.parent.name == "busy_minute"]
    assert len(paths) == 14
    captures = [load_capture(p) for p in paths]
    channels = [CapturedChannel(c) for c in captures]
    async with running_ivr(settings, redis) as ivr:
        logs = await asyncio.gather(
            *(play_session(ivr.port, c.env, ch.answer) for c, ch in zip(captures, channels, strict=True))
        )
        assert ivr.server.stats.completed == 14
    assert all(log.closed_by_server for log in logs)
    assert all(ch.set[VAR_QUEUE] == "q-general" and ch.set[VAR_ACTION] == "queue" for ch in channels)

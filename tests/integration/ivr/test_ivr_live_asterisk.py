"""The IVR against a real Asterisk 22 running the rendered configuration (asterisk_conf/).

Skipped unless HOTLINE_TEST_ASTERISK_BIN names an Asterisk 22 binary; the Asterisk harness
(directories, settings, boot, busy SIP trunk, AMI client) is the asterisk_conf live test's.
Calls are Local channels into the inbound context; Asterisk reaches our real FastAGI server.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis

from asterisk_conf.render import render_to_dir
from core import dialplan
from core.contracts import EmergencyReferral
from core.settings import Settings
from ivr.prompts import generate_prompts
from tests.contract.ivr.harness import TextTranscriber, handed_off, running_ivr
from tests.integration.asterisk_conf.test_asterisk_conf_live import (
    ASTERISK_BIN,
    Ami,
    BusyTrunk,
    asterisk_dirs,
    call,
    free_port,
    hotline_settings,
    joined,
    running_asterisk,
)

pytestmark = [
    pytest.mark.live_asterisk,
    pytest.mark.slow,
    pytest.mark.skipif(not ASTERISK_BIN, reason="HOTLINE_TEST_ASTERISK_BIN is not set"),
]


@dataclass
class LiveIvr:
    settings: Settings
    trunk: BusyTrunk
    prompts: Path


@pytest.fixture(scope="module")
def live_ivr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveIvr]:
    root = tmp_path_factory.mktemp("asterisk-ivr")
    dirs = asterisk_dirs(root)
    trunk = BusyTrunk(free_port(socket.SOCK_DGRAM))
    settings = hotline_settings(root, dirs, trunk.port)
    render_to_dir(settings, dirs["etc"])
    # Real prompts: Asterisk reports AGISTATUS=FAILURE after a STREAM FILE it cannot play.
    prompts = root / "prompts"
    generate_prompts(prompts)
    try:
        with running_asterisk(dirs["etc"] / "asterisk.conf", dirs["run"], root / "console.log"):
            yield LiveIvr(settings, trunk, prompts)
    finally:
        trunk.close()


@pytest.fixture
def ivr_settings(live_ivr: LiveIvr, tmp_path: Path, redis_prefix: str) -> Settings:
    return live_ivr.settings.model_copy(
        update={
            "data_dir": tmp_path,
            "recordings_dir": tmp_path / "recordings",
            "prompts_dir": live_ivr.prompts,
            "redis_prefix": redis_prefix,
            "ivr_record_max_s": 2,  # a Local channel sends no audio: the recording runs to its end
        }
    )


@pytest.fixture
async def manager(live_ivr: LiveIvr) -> AsyncIterator[Ami]:
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", live_ivr.settings.ami_port)
    assert (await reader.readline()).startswith(b"Asterisk Call Manager/")
    client = Ami(reader, writer)
    login = await client.send(
        "Login", Username=live_ivr.settings.ami_user, Secret=live_ivr.settings.ami_secret
    )
    assert login["Response"] == "Success", login
    yield client
    await client.send("Hangup", Channel="/^Local\\//")
    await client.close()


def _varset(name: str, value: str):  # type: ignore[no-untyped-def]
    return lambda e: e.get("Event") == "VarSet" and e.get("Variable") == name and e.get("Value") == value


async def test_a_citizen_call_runs_the_intake_and_joins_the_did_queue(
    ivr_settings: Settings, redis: Redis, manager: Ami
) -> None:
    async with running_ivr(ivr_settings, redis, port=ivr_settings.agi_port) as ivr:
        await call(
            manager, "12315", dialplan.CTX_INBOUND, {"CALLERID(num)": f"139{uuid.uuid4().int % 10**8:08d}"}
        )
        await manager.event(_varset(dialplan.VAR_ACTION, "queue"))
        await manager.event(_varset("AGISTATUS", "SUCCESS"))
        await manager.event(joined("q-enterprise"))
        await ivr.server.wait_idle()
        assert ivr.server.stats.completed == 1 and ivr.server.stats.failures == 0


async def test_an_emergency_heard_in_the_recording_dials_119(
    live_ivr: LiveIvr, ivr_settings: Settings, redis: Redis, manager: Ami
) -> None:
    speech = TextTranscriber("我家厨房着火了")
    async with running_ivr(ivr_settings, redis, speech=speech, port=ivr_settings.agi_port) as ivr:
        await call(manager, "12345", dialplan.CTX_INBOUND)
        await manager.event(_varset(dialplan.VAR_TARGET, "119"))
        # Asterisk really recorded the caller where the IVR transcribes from.
        assert len(speech.paths) == 1 and speech.paths[0].is_file()
        await manager.event(_varset("AGISTATUS", "SUCCESS"))
        await manager.event(lambda e: e.get("Event") == "DialBegin" and "119" in e.get("DialString", ""))
        await ivr.deps.drain()
    (referral,) = await handed_off(redis, ivr_settings.redis_prefix)
    assert isinstance(referral, EmergencyReferral) and referral.target == "119"

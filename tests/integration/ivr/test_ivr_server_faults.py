"""The FastAGI server over real TCP against the faults of issue 4 and worse."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from redis.asyncio import Redis

from core.contracts import CallerProfile, EmergencyReferral
from core.dialplan import VAR_ACTION, VAR_QUEUE
from core.handoff import HandoffProducer
from core.settings import Settings
from ivr.agi import AgiSession
from ivr.server import FastAgiServer
from tests.contract.ivr.asterisk_double import DEAD, default_reply, environment, play_session, verb_of
from tests.contract.ivr.harness import TextTranscriber, handed_off, running_ivr


def _asterisk(overrides: dict[str, list[str] | None] | None = None):  # type: ignore[no-untyped-def]
    """An ordinary channel; `overrides` changes the reply per verb (None: never answer)."""
    variables: dict[str, str] = {}
    over = overrides or {}

    def answer(command: str) -> list[str] | None:
        verb = verb_of(command)
        if verb in over:
            return over[verb]
        if verb == "SET VARIABLE":
            _, _, rest = command.partition("SET VARIABLE ")
            name, _, value = rest.partition(" ")
            variables[name] = value
            return ["200 result=1"]
        if verb == "GET VARIABLE":
            return ["200 result=0"]
        return default_reply(verb)

    answer.variables = variables  # type: ignore[attr-defined]
    return answer


async def _quiet() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_client_closing_inside_the_environment_block(settings: Settings, redis: Redis) -> None:
    async with running_ivr(settings, redis) as ivr:
        for cut in (0, 10, len(environment()) - 2):
            _reader, writer = await asyncio.open_connection("127.0.0.1", ivr.port)
            writer.write(environment()[:cut].encode())
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        await asyncio.wait_for(ivr.server.wait_idle(), 10)
        assert ivr.server.active_connections == 0
        assert ivr.server.stats.sessions == 0
        # ...and the server still serves the next call.
        answer = _asterisk()
        log = await play_session(ivr.port, environment(), answer)
        assert log.closed_by_server and answer.variables[VAR_QUEUE] == "q-general"


async def test_garbage_oversized_and_unrouted_connections_are_closed(
    settings: Settings, redis: Redis
) -> None:
    async with running_ivr(settings, redis) as ivr:
        for payload in (
            b"\x00\xff\xfe garbage\n\n",  # no script named
            b"agi_network_script: nosuch\n\n",  # no route
            b"x" * 20000,  # never ends
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", ivr.port)
            writer.write(payload)
            await writer.drain()
            assert await asyncio.wait_for(reader.read(), 10) == b""  # closed, no command sent
            writer.close()
        assert ivr.server.stats.rejected == 3 and ivr.server.stats.sessions == 0


async def test_silent_client_is_dropped(settings: Settings, redis: Redis) -> None:
    server = FastAgiServer({}, 1.0, env_timeout_s=0.1)
    port = await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()
    finally:
        await server.close()


async def test_stuck_command_times_out_and_leaves_the_queue_set(settings: Settings, redis: Redis) -> None:
    settings.agi_command_timeout_s = 0.2
    async with running_ivr(settings, redis) as ivr:
        answer = _asterisk({"STREAM FILE": None})
        log = await play_session(ivr.port, environment(), answer)
        assert log.closed_by_server
        assert ivr.server.stats.timeouts == 1
    # The dialplan has the DID's queue although the flow never finished.
    assert answer.variables == {VAR_QUEUE: "q-general"}


async def test_hangup_line_and_511_end_the_session(settings: Settings, redis: Redis) -> None:
    async with running_ivr(settings, redis) as ivr:
        answer = _asterisk({"STREAM FILE": ["HANGUP", DEAD]})
        log = await play_session(ivr.port, environment(), answer)
        assert log.closed_by_server and ivr.server.stats.hangups == 1
        assert [verb_of(c) for c in log.commands] == ["SET VARIABLE", "STREAM FILE"]


async def test_result_minus_one_on_a_prompt_is_not_a_hangup(settings: Settings, redis: Redis) -> None:
    # Asterisk answers -1 when it cannot open the file; the call goes on without the prompt.
    async with running_ivr(settings, redis) as ivr:
        answer = _asterisk({"STREAM FILE": ["200 result=-1 endpos=0"]})
        await play_session(ivr.port, environment(), answer)
        assert ivr.server.stats.completed == 1
        assert answer.variables[VAR_ACTION] == "queue"


async def test_result_minus_one_hangup_while_recording(settings: Settings, redis: Redis) -> None:
    speech = TextTranscriber("着火了")
    async with running_ivr(settings, redis, speech=speech) as ivr:
        answer = _asterisk({"RECORD FILE": ["200 result=-1 (hangup) endpos=20480"]})
        await play_session(ivr.port, environment(), answer)
        assert ivr.server.stats.hangups == 1
    assert speech.paths == [] and await handed_off(redis, settings.redis_prefix) == []


@pytest.mark.parametrize(
    "reply",
    [
        ["what is this"],
        [
            "520-Invalid command syntax.  Proper usage follows:",
            "Usage: SET VARIABLE <name> <value>",
            "520 End of proper usage.",
        ],
        ["510 Invalid or unknown command"],
    ],
)
async def test_bad_replies_end_the_session_not_the_server(
    settings: Settings, redis: Redis, reply: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "ivr.server")
    async with running_ivr(settings, redis) as ivr:
        log = await play_session(ivr.port, environment(), _asterisk({"SET VARIABLE": reply}))
        assert log.closed_by_server and ivr.server.stats.failures == 1
        answer = _asterisk()
        await play_session(ivr.port, environment(), answer)
        assert ivr.server.stats.completed == 1


async def test_a_raising_flow_never_kills_the_server(caplog: pytest.LogCaptureFixture) -> None:
    async def broken(session: AgiSession) -> None:
        await session.set_variable("X", "1")
        raise RuntimeError("bug in a flow")

    server = FastAgiServer({"ivr": broken}, 1.0)
    port = await server.start()
    try:
        for _ in range(3):
            log = await play_session(port, environment(), _asterisk())
            assert log.closed_by_server
        assert server.stats.failures == 3
        assert "bug in a flow" in caplog.text
    finally:
        await server.close()


async def test_slow_history_never_delays_the_call(settings: Settings, redis: Redis) -> None:
    gate = asyncio.Event()

    async def stuck(phone: str) -> CallerProfile | None:
        await gate.wait()  # the database never answers
        return None

    async def broken(phone: str) -> CallerProfile | None:
        raise ConnectionError("database is down")

    for lookup in (stuck, broken):
        async with running_ivr(settings, redis, lookup=lookup) as ivr:
            answer = _asterisk()
            await play_session(ivr.port, environment(), answer)
            assert ivr.server.stats.completed == 1
            assert answer.variables[VAR_QUEUE] == "q-general"


async def test_emergency_referral_survives_redis_outage(
    settings: Settings, redis: Redis, tmp_path: Path
) -> None:
    dead_redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    spool = settings.data_dir / "handoff-spool.jsonl"
    try:
        async with running_ivr(settings, dead_redis, speech=TextTranscriber("楼下着火了")) as ivr:
            answer = _asterisk()
            await play_session(ivr.port, environment(), answer)
            await ivr.deps.drain()
        assert answer.variables[VAR_ACTION] == "emergency"
        (line,) = spool.read_text(encoding="utf-8").splitlines()
        referral = EmergencyReferral.model_validate_json(line)
        assert referral.target == "119" and referral.caller == "13800000001"
        # Redis is back: the spool reaches the stream.
        assert await HandoffProducer(redis, settings.redis_prefix, spool).flush_spool() == 1
        assert len(await handed_off(redis, settings.redis_prefix)) == 1
    finally:
        await dead_redis.aclose()


async def test_thousands_of_concurrent_sessions(settings: Settings, redis: Redis) -> None:
    async with running_ivr(settings, redis) as ivr:
        answers = [_asterisk() for _ in range(2000)]
        envs = [environment(uniqueid=f"1795326409.{i}", callerid=f"139{i:08d}") for i in range(2000)]
        logs = await asyncio.gather(
            *(play_session(ivr.port, e, a) for e, a in zip(envs, answers, strict=True))
        )
        assert ivr.server.stats.completed == 2000
        assert all(log.closed_by_server for log in logs)
        assert all(a.variables[VAR_QUEUE] == "q-general" for a in answers)
        await _quiet()
        assert ivr.server.active_sessions == 0


async def test_each_variant_runs_on_its_event_loop(request: pytest.FixtureRequest) -> None:
    # tests/ivr_loops.py: the [uvloop] variants must really exercise uvloop's transports.
    on_uvloop = type(asyncio.get_running_loop()).__module__.startswith("uvloop")
    assert on_uvloop == request.node.name.endswith("[uvloop]")

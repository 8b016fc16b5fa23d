"""The callback survey over real TCP, published through the real Redis stream."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from core.contracts import SurveyResult
from core.dialplan import VAR_DIAL, VAR_TICKET
from core.settings import Settings
from tests.contract.ivr.asterisk_double import DEAD, default_reply, environment, play_session, verb_of
from tests.contract.ivr.harness import handed_off, running_ivr


def _callee(
    digits: list[str], variables: dict[str, str], hang_up_after: int | None = None
) -> Callable[[str], list[str]]:
    """The citizen on an originated call: presses `digits` in turn ("" = nothing)."""
    presses = iter(digits)
    asked = 0

    def answer(command: str) -> list[str]:
        nonlocal asked
        verb = verb_of(command)
        if verb == "GET VARIABLE":
            value = variables.get(command.split(" ", 2)[2])
            return ["200 result=0"] if value is None else [f"200 result=1 ({value})"]
        if hang_up_after is not None and asked >= hang_up_after and verb in ("GET DATA", "STREAM FILE"):
            return ["HANGUP", DEAD]
        if verb == "GET DATA":
            asked += 1
            digit = next(presses, "")
            return [f"200 result={digit}" if digit else "200 result= (timeout)"]
        return default_reply(verb)

    return answer


VARS = {VAR_TICKET: "T-20261122-0042", VAR_DIAL: "13800000007", "CHANNEL(linkedid)": "1795326597.16"}


async def _survey(settings: Settings, redis: Redis, answer: Callable[[str], list[str]]) -> SurveyResult:
    async with running_ivr(settings, redis) as ivr:
        await play_session(ivr.port, environment(script="survey", callerid="12345", dnid="unknown"), answer)
        await ivr.deps.drain()
    (record,) = await handed_off(redis, settings.redis_prefix)
    assert isinstance(record, SurveyResult)
    return record


async def test_satisfied_and_resolved(settings: Settings, redis: Redis) -> None:
    r = await _survey(settings, redis, _callee(["1", "1"], VARS))
    assert (r.ticket_no, r.phone, r.linkedid) == ("T-20261122-0042", "13800000007", "1795326597.16")
    assert (r.satisfaction, r.resolved, r.answered) == ("satisfied", True, True)


async def test_retry_once_on_no_input(settings: Settings, redis: Redis) -> None:
    r = await _survey(settings, redis, _callee(["", "2", "9", "2"], VARS))
    assert (r.satisfaction, r.resolved, r.answered) == ("basically_satisfied", False, True)


async def test_no_input_at_all_is_not_answered(settings: Settings, redis: Redis) -> None:
    r = await _survey(settings, redis, _callee([], VARS))
    assert (r.satisfaction, r.resolved, r.answered) == (None, None, False)


async def test_hangup_half_way_keeps_the_first_answer(settings: Settings, redis: Redis) -> None:
    r = await _survey(settings, redis, _callee(["3"], VARS, hang_up_after=1))
    assert (r.satisfaction, r.resolved, r.answered) == ("dissatisfied", None, True)


async def test_without_ticket_nothing_is_published(settings: Settings, redis: Redis) -> None:
    async with running_ivr(settings, redis) as ivr:
        log = await play_session(ivr.port, environment(script="survey"), _callee(["1"], {}))
        await ivr.deps.drain()
    assert log.closed_by_server
    assert await handed_off(redis, settings.redis_prefix) == []

"""The callback survey (回访, `agi://.../survey`) on a call callflow originated to the citizen.

DOMAIN.md §6 / 000 §25: after the unit's reply is approved the citizen is asked about
satisfaction (满意 1 / 基本满意 2 / 不满意 3) and whether the problem is resolved (是 1 / 否 2),
by DTMF. Each question is asked again once when nothing valid was pressed. The answer goes to
the ticket writer as a `SurveyResult`, including a partial one when the citizen hangs up
half-way (nothing said on the line is lost); no input at all is recorded as not answered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Literal, TypeVar

from core.contracts import SurveyResult
from core.dialplan import VAR_DIAL, VAR_TICKET
from ivr.agi import AgiCommandError, AgiHangup, AgiSession
from ivr.flows.common import IvrDeps, play

log = logging.getLogger(__name__)

T = TypeVar("T")

Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]
SATISFACTION: dict[str, Satisfaction] = {"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"}
RESOLVED: dict[str, bool] = {"1": True, "2": False}
ANSWER_TIMEOUT_MS = 8000
ATTEMPTS = 2  # the question, then one retry


async def run_survey(session: AgiSession, deps: IvrDeps) -> None:
    await session.answer()
    ticket_no = await session.get_variable(VAR_TICKET)
    if not ticket_no:
        log.error(
            "survey: %s has no %s; nothing to attribute the answers to", session.env.uniqueid, VAR_TICKET
        )
        await play(session, deps, "survey-thanks")
        return
    phone = await session.get_variable(VAR_DIAL) or session.env.dnid or session.env.callerid
    linkedid = await session.get_variable("CHANNEL(linkedid)") or session.env.uniqueid
    satisfaction: Satisfaction | None = None
    resolved: bool | None = None
    try:
        await play(session, deps, "survey-intro")
        satisfaction = await _ask(session, deps, "survey-satisfaction", SATISFACTION)
        resolved = await _ask(session, deps, "survey-resolved", RESOLVED)
        await play(session, deps, "survey-thanks")
    except AgiHangup:
        log.info("survey: %s hung up during the survey of %s", session.env.uniqueid, ticket_no)
        raise
    finally:
        deps.spawn(
            deps.publish(
                SurveyResult(
                    ticket_no=ticket_no,
                    linkedid=linkedid,
                    phone=phone,
                    satisfaction=satisfaction,
                    resolved=resolved,
                    answered=satisfaction is not None or resolved is not None,
                    at=deps.clock(),
                )
            )
        )


async def _ask(session: AgiSession, deps: IvrDeps, prompt: str, choices: Mapping[str, T]) -> T | None:
    for attempt in range(ATTEMPTS):
        if attempt:
            await play(session, deps, "survey-retry")
        try:
            digits = await session.get_data(deps.prompts.path(prompt), ANSWER_TIMEOUT_MS, 1)
        except AgiCommandError as exc:
            log.warning("survey: question %s not asked: %s", prompt, exc.reply.raw)
            return None
        answer = choices.get(digits[:1])
        if answer is not None:
            return answer
    return None

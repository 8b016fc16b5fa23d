"""The intake flow (`agi://.../ivr`): greeting, optional menu and speech, then the queue.

004 §11 and GB/T 33358-2016: a human within 15 s and no menu maze, so by default the caller
hears one greeting naming the emergency numbers and goes straight on. The queue of the dialled
number is set first, so any failure after that still leaves the dialplan a correct queue;
every later step has its own deadline and a failed step only loses its own information.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from pydantic import ValidationError

from core.contracts import CallerProfile, EmergencyReferral
from core.dialplan import (
    VAR_ACTION,
    VAR_CATEGORY,
    VAR_DTMF,
    VAR_EMERGENCY_SERVICE,
    VAR_NOT_ACCEPTED_REASON,
    VAR_PRIORITY,
    VAR_QUEUE,
    VAR_TARGET,
    VAR_TICKET_HINT,
    VAR_TICKET_TYPE,
    VAR_UNIT,
)
from ivr.agi import AgiCommandError, AgiError, AgiSession
from ivr.classify import Classification
from ivr.emergency import Detection
from ivr.flows import watch
from ivr.flows.common import IvrDeps, play
from ivr.routing import RouteDecision, decide, did_queue

log = logging.getLogger(__name__)

MENU_TIMEOUT_MS = 5000
SILENCE_S = 3  # the caller finished speaking
CLASSIFY_TIMEOUT_S = 1.0  # a few ms normally; a busy thread pool must not hold the call


def dialled_number(session: AgiSession, known: dict[str, str]) -> str:
    """agi_dnid is the DID on a trunk call; fall back to the extension the call matched."""
    for candidate in (session.env.dnid, session.env.extension):
        if candidate in known:
            return candidate
    return session.env.dnid or session.env.extension


async def run_intake(session: AgiSession, deps: IvrDeps) -> None:
    settings = deps.settings
    caller = session.env.callerid
    did = dialled_number(session, settings.dids)
    lookup: asyncio.Future[CallerProfile | None] = asyncio.ensure_future(deps.caller_lookup(caller))
    try:
        await session.set_variable(VAR_QUEUE, did_queue(settings, did))
        await play(session, deps, "greeting")
        digit = await _menu(session, deps) if settings.ivr_dtmf_menu else None
        if digit:
            # callflow carries it onto the call record (AMI VarSet → IvrResult.dtmf).
            await session.set_variable(VAR_DTMF, digit)
        transcript = await _capture(session, deps) if _speech_on(deps) else None
        detection: Detection | None = None
        classification: Classification | None = None
        if transcript:
            detection = deps.detector.detect(transcript)
            classification = await _classify(deps, transcript)
        profile = await _profile(lookup)
        decision = decide(
            settings,
            did=did,
            profile=profile,
            detection=detection,
            classification=classification,
            digit=digit,
        )
        await _apply(session, decision)
        if decision.action == "emergency" and detection is not None:
            linkedid = await _linkedid(session)
            deps.spawn(_refer(deps, linkedid, caller, detection, transcript))
        if decision.action == "watch":
            await watch.warn(session, deps)
        elif decision.prompt:
            await play(session, deps, decision.prompt)
    finally:
        if not lookup.done():
            lookup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lookup


async def _classify(deps: IvrDeps, text: str) -> Classification | None:
    if deps.classifier is None:
        return None
    try:
        return await asyncio.wait_for(asyncio.to_thread(deps.classifier.classify, text), CLASSIFY_TIMEOUT_S)
    except TimeoutError:
        log.warning("ivr: transcript not classified within %.1f s", CLASSIFY_TIMEOUT_S)
        return None


async def _profile(lookup: asyncio.Future[CallerProfile | None]) -> CallerProfile | None:
    try:
        return await lookup
    except Exception as exc:
        # The lookup's own contract is "never raises"; a broken one still must not end the call.
        log.warning("ivr: caller lookup failed (%s); going on without history", type(exc).__name__)
        return None


def _speech_on(deps: IvrDeps) -> bool:
    return deps.settings.ivr_speech_capture and deps.speech is not None and deps.speech.available


async def _menu(session: AgiSession, deps: IvrDeps) -> str | None:
    try:
        digits = await session.get_data(deps.prompts.path("menu"), MENU_TIMEOUT_MS, 1)
    except AgiCommandError as exc:
        log.warning("ivr: menu not played: %s", exc.reply.raw)
        return None
    return digits[:1] or None


async def _capture(session: AgiSession, deps: IvrDeps) -> str | None:
    """Records "briefly say your request" and transcribes it within its deadline."""
    assert deps.speech is not None
    await play(session, deps, "say-request")
    base = deps.utterance_dir / f"utt-{_safe(session.env.uniqueid)}"
    try:
        await session.record_file(
            # No BEEP: Asterisk fails the whole recording ("randomerror") when its beep sound is
            # missing; the prompt itself says when to speak.
            str(base),
            "wav",
            "#",
            deps.settings.ivr_record_max_s * 1000,
            SILENCE_S,
            beep=False,
        )
    except AgiCommandError as exc:
        log.warning("ivr: utterance not recorded: %s", exc.reply.raw)
        return None
    result = await deps.speech.transcribe(Path(f"{base}.wav"), deps.transcribe_timeout_s)
    return result.text if result is not None and result.text else None


def _safe(uniqueid: str) -> str:
    return "".join(c for c in uniqueid if c.isalnum() or c in ".-_") or "unknown"


async def _apply(session: AgiSession, decision: RouteDecision) -> None:
    # Names are core.dialplan's: the dialplan and callflow (AMI VarSet) read exactly these.
    await session.set_variable(VAR_QUEUE, decision.queue)
    await session.set_variable(VAR_ACTION, decision.action)
    await session.set_variable(VAR_PRIORITY, str(decision.priority))
    if decision.emergency_service:
        # Before the target: callflow alerts supervisors on the target, with the service.
        await session.set_variable(VAR_EMERGENCY_SERVICE, decision.emergency_service)
    if decision.target:
        await session.set_variable(VAR_TARGET, decision.target)
    if decision.category:
        await session.set_variable(VAR_CATEGORY, decision.category)
    if decision.not_accepted_reason:
        await session.set_variable(VAR_NOT_ACCEPTED_REASON, decision.not_accepted_reason)
    if decision.ticket_hint:
        await session.set_variable(VAR_TICKET_HINT, decision.ticket_hint)
    if decision.ticket_type:
        await session.set_variable(VAR_TICKET_TYPE, decision.ticket_type)
    if decision.suggested_unit:
        await session.set_variable(VAR_UNIT, decision.suggested_unit)


async def _linkedid(session: AgiSession) -> str:
    """The call's key for the referral; the channel's own uniqueid when it cannot be asked
    (the citizen's channel starts the call, so they are the same on an inbound call)."""
    try:
        value = await session.get_variable("CHANNEL(linkedid)")
    except AgiError:
        # Hung up right after the decision: the referral is still recorded.
        value = None
    return value or session.env.uniqueid


async def _refer(
    deps: IvrDeps, linkedid: str, caller: str, detection: Detection, transcript: str | None
) -> None:
    # DOMAIN.md §3: every emergency re-route is logged as a referral record.
    try:
        record = EmergencyReferral.model_validate(
            {
                "linkedid": linkedid,
                "caller": caller,
                "target": detection.target,
                "source": "ivr",
                "reason": detection.service,
                "transcript": transcript,
                "at": deps.clock(),
            }
        )
    except ValidationError as exc:
        log.error("ivr: emergency referral for %s not recorded: %s", linkedid, exc)
        return
    await deps.publish(record)

"""Composition of the IVR: builds the flows' dependencies once and binds them to routes."""

from __future__ import annotations

import asyncio
import logging

from core.dialplan import AGI_INTAKE, AGI_SURVEY
from core.settings import Settings
from ivr.agi import AgiSession, Handler
from ivr.backend import CallerLookup, bounded, database_caller_lookup
from ivr.classify import DEFAULT_MIN_CONFIDENCE, Classifier, load_shipped_model
from ivr.emergency import EmergencyDetector
from ivr.flows.common import IvrDeps, Publisher, Transcriber
from ivr.flows.intake import run_intake
from ivr.flows.survey import run_survey
from ivr.prompts import PromptLibrary, prompt_texts
from ivr.speech import SpeechRecognizer
from tickets.db import Database

log = logging.getLogger(__name__)


def routes_for(deps: IvrDeps) -> dict[str, Handler]:
    async def intake(session: AgiSession) -> None:
        await run_intake(session, deps)

    async def survey(session: AgiSession) -> None:
        await run_survey(session, deps)

    return {AGI_INTAKE: intake, AGI_SURVEY: survey}


async def load_classifier(min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> Classifier | None:
    def build() -> Classifier:
        classifier = Classifier(load_shipped_model(), min_confidence)
        classifier.warm_up()
        return classifier

    try:
        return await asyncio.to_thread(build)
    except (OSError, ValueError) as exc:
        log.warning("ivr: category classifier unavailable (%s); calls go on unclassified", exc)
        return None


def make_deps(
    settings: Settings,
    publisher: Publisher,
    caller_lookup: CallerLookup,
    *,
    classifier: Classifier | None,
    speech: Transcriber | None,
) -> IvrDeps:
    prompts = PromptLibrary(settings.prompts_dir, prompt_texts(settings.ivr_menu))
    if prompts.missing:
        log.warning(
            "ivr: prompts %s missing in %s (run `hotline prompts`); a beep plays instead",
            ", ".join(prompts.missing),
            settings.prompts_dir,
        )
    if settings.ivr_dtmf_menu and "menu" in prompts.stale:
        log.warning(
            "ivr: the menu prompt in %s names other keys than HOTLINE_IVR_MENU (run `hotline prompts`)",
            settings.prompts_dir,
        )
    utterances = (settings.recordings_dir / "utterances").resolve()
    utterances.mkdir(parents=True, exist_ok=True)
    return IvrDeps(
        settings=settings,
        publisher=publisher,
        caller_lookup=bounded(caller_lookup),
        prompts=prompts,
        detector=EmergencyDetector(settings.emergency_numbers, settings.emergency_joint_routing),
        classifier=classifier,
        speech=speech,
        utterance_dir=utterances,
    )


async def build_deps(
    settings: Settings, db: Database, publisher: Publisher
) -> tuple[IvrDeps, SpeechRecognizer]:
    """Everything the flows need; the recogniser is returned so the caller can close it."""
    speech = SpeechRecognizer(settings.vosk_model_path, settings.vosk_model_sha256, settings.vosk_workers)
    if settings.ivr_speech_capture:
        await speech.start()
    classifier = await load_classifier(settings.ivr_category_min_confidence)
    deps = make_deps(settings, publisher, database_caller_lookup(db), classifier=classifier, speech=speech)
    return deps, speech

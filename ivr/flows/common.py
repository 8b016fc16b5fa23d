"""What every flow needs, passed in (nothing here is a module global)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from core.contracts import HandoffRecord
from core.settings import Settings
from ivr.agi import AgiCommandError, AgiSession
from ivr.backend import CallerLookup, Clock, utcnow
from ivr.classify import Classifier
from ivr.emergency import EmergencyDetector
from ivr.prompts import PromptLibrary
from ivr.speech import Transcript

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """`core.handoff.HandoffProducer`: Redis Stream, spooled to disk while Redis is away."""

    async def publish(self, record: HandoffRecord) -> bool: ...


class Transcriber(Protocol):
    """`ivr.speech.SpeechRecognizer`."""

    @property
    def available(self) -> bool: ...

    async def transcribe(self, wav_path: Path, timeout_s: float) -> Transcript | None: ...


@dataclass
class IvrDeps:
    settings: Settings
    publisher: Publisher
    caller_lookup: CallerLookup
    prompts: PromptLibrary
    detector: EmergencyDetector
    classifier: Classifier | None
    speech: Transcriber | None
    # Where RECORD FILE writes the caller's utterance; Asterisk and this service must both see it.
    utterance_dir: Path
    clock: Clock = utcnow
    transcribe_timeout_s: float = 6.0
    publish_timeout_s: float = 5.0
    _background: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Runs work the caller must not wait for (publishing) past the end of the session."""
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Waits for background work (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def publish(self, record: HandoffRecord) -> None:
        try:
            await asyncio.wait_for(self.publisher.publish(record), self.publish_timeout_s)
        except Exception:
            log.exception("ivr: could not hand off a %s record", record.kind)


async def play(session: AgiSession, deps: IvrDeps, name: str, escape_digits: str = "") -> str | None:
    """Plays a prompt; a prompt Asterisk cannot play is logged and skipped, never fatal."""
    try:
        return await session.stream_file(
            deps.prompts.path(name), escape_digits, max_s=deps.prompts.seconds(name) + 2.0
        )
    except AgiCommandError as exc:
        log.warning("ivr: prompt %s not played: %s", name, exc.reply.raw)
        return None

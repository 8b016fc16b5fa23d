"""Post-call transcription: every recorded call gets a transcript on its call record.

Runs in the worker role, off the call path: it picks call records whose recording has not been
transcribed yet, runs them through the same vosk pool the IVR uses (threads, never the event
loop) and stores the text. Marked per call as `done`, `missing` (file gone or never written) or
`failed` (unreadable audio, timeout), so a bad file is not retried forever; the seat's written
record stays the authoritative account (DOMAIN.md §2 边接听、边记录).
"""

from __future__ import annotations

import asyncio
import functools
import logging

from sqlmodel import Session, col, select

from ivr.speech import SpeechRecognizer
from recordings.storage import RecordingError, RecordingNotFound, RecordingStore
from tickets.db import Database
from tickets.models import CallLink

log = logging.getLogger(__name__)


class PostCallTranscriber:
    def __init__(
        self, db: Database, recognizer: SpeechRecognizer, store: RecordingStore, timeout_s: float = 120.0
    ) -> None:
        self._db = db
        self._recognizer = recognizer
        self._store = store
        self._timeout_s = timeout_s

    async def run_once(self, limit: int = 20) -> int:
        """Transcribes up to `limit` pending recordings; returns how many were marked."""
        if not self._recognizer.available:
            return 0

        def pending(session: Session) -> list[tuple[int, str]]:
            rows = session.exec(
                select(CallLink.id, CallLink.recording_path)
                .where(col(CallLink.recording_path).is_not(None), col(CallLink.transcript_status).is_(None))
                .order_by(col(CallLink.id))
                .limit(limit)
            ).all()
            return [(int(i), str(p)) for i, p in rows if i is not None and p]

        marked = 0
        for link_id, path in await self._db.run(pending):
            text: str | None = None
            try:
                stored = self._store.open(path)
            except RecordingNotFound:
                status = "missing"
            except RecordingError as exc:
                log.warning("transcribe: call %d has an unusable recording path: %s", link_id, exc)
                status = "failed"
            else:
                transcript = await self._recognizer.transcribe(stored.path, self._timeout_s)
                status = "failed" if transcript is None else "done"
                text = None if transcript is None else transcript.text
            await self._db.run(functools.partial(_mark, link_id=link_id, status=status, text=text))
            marked += 1
        return marked

    async def run(self, interval_s: float = 10.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                # The database may be away; the next pass picks the same calls up again.
                log.exception("transcribe: pass failed; retrying in %.0f s", interval_s)
            await asyncio.sleep(interval_s)


def _mark(session: Session, link_id: int, status: str, text: str | None) -> None:
    link = session.get(CallLink, link_id)
    if link is None:
        return
    link.transcript_status = status
    link.transcript = text
    session.add(link)

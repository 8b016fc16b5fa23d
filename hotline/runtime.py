"""Composition of the roles in one asyncio process.

`web` serves the desk, wallboard, portal, public page and REST API; `agi` the FastAGI IVR;
`ami` the AMI consumer and call control (exactly one per Asterisk node); `worker` the ticket
writer and the supervision scheduler. Each role gets what it needs and nothing is a module global.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from core.handoff import HandoffProducer
from core.settings import Settings
from recordings.storage import RecordingStore
from tickets.db import Database

log = logging.getLogger(__name__)


async def run_roles(settings: Settings, roles: set[str]) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    redis = Redis.from_url(settings.redis_url)
    db = Database(settings.database_url, settings.db_pool_size)
    from tickets.migrate import upgrade

    await asyncio.to_thread(upgrade, settings.database_url)
    producer = HandoffProducer(redis, settings.redis_prefix, settings.data_dir / "handoff-spool.jsonl")
    node = f"{socket.gethostname()}-{os.getpid()}"

    tasks: list[Coroutine[Any, Any, None]] = [producer.run_flusher()]
    if "web" in roles:
        tasks.append(_serve_web(settings))
    if "agi" in roles:
        from ivr.server import serve_fastagi

        tasks.append(serve_fastagi(settings, redis, db, producer))
    if "ami" in roles:
        from callflow.service import run_callflow

        tasks.append(run_callflow(settings, redis, producer, node))
    if "worker" in roles:
        from tickets.writer import run_ticket_writer

        tasks.append(run_ticket_writer(settings, redis, db, node))
        tasks.append(_recordings_housekeeping(settings, db))
    log.info("hotline: running roles %s", ", ".join(sorted(roles)))
    try:
        async with asyncio.TaskGroup() as group:
            for coro in tasks:
                group.create_task(coro)
    finally:
        with contextlib.suppress(Exception):
            await redis.aclose()
        db.dispose()


async def _serve_web(settings: Settings) -> None:
    import uvicorn

    from agent_desk.app import create_app
    from agent_desk.ws.fastpath import FanoutWebSocketProtocol

    config = uvicorn.Config(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_level="info",
        ws=FanoutWebSocketProtocol,  # wallboard fan-out writes prepared frames (agent_desk/ws/fastpath.py)
    )
    await uvicorn.Server(config).serve()


async def _recordings_housekeeping(settings: Settings, db: Database) -> None:
    """Worker role: post-call transcription and the retention sweep of recordings."""
    from ivr.speech import SpeechRecognizer
    from recordings.transcribe import PostCallTranscriber

    store = RecordingStore(settings.recordings_dir, settings.asterisk_recordings_dir)
    # Deliberately not the IVR's recogniser: minute-long recordings on its worker pool would make
    # live utterances miss their transcription deadline in the call path.
    recognizer = SpeechRecognizer(settings.vosk_model_path, settings.vosk_model_sha256, settings.vosk_workers)
    try:
        async with asyncio.TaskGroup() as group:
            if await recognizer.start():
                group.create_task(PostCallTranscriber(db, recognizer, store).run())
            else:
                log.warning("recordings: post-call transcription off: %s", recognizer.disabled_reason)
            group.create_task(_retention_sweep(store, settings.recording_retention_days))
    finally:
        recognizer.close()


async def _retention_sweep(store: RecordingStore, retention_days: int) -> None:
    while True:
        removed = await asyncio.to_thread(store.sweep, retention_days, datetime.now(UTC))
        if removed:
            log.info("recordings: %d recordings past retention removed", len(removed))
        await asyncio.sleep(3600)

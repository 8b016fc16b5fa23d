"""`serve_fastagi` as the `agi` role runs it: real settings, Redis, SQLite, TCP port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import pytest
from redis.asyncio import Redis

from core.dialplan import VAR_ACTION, VAR_QUEUE
from core.handoff import HandoffProducer
from core.settings import Settings
from ivr.server import serve_fastagi
from tests.contract.ivr.asterisk_double import default_reply, environment, play_session, verb_of
from tickets.db import Database
from tickets.migrate import upgrade


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_the_agi_role_serves_calls(
    settings: Settings, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings.agi_port = _free_port()
    upgrade(settings.database_url)
    db = Database(settings.database_url, pool_size=2)
    producer = HandoffProducer(redis, settings.redis_prefix, settings.data_dir / "spool.jsonl")
    role = asyncio.create_task(serve_fastagi(settings, redis, db, producer))
    try:
        for _ in range(200):  # until it listens (the classifier loads first)
            with contextlib.suppress(OSError):
                _r, w = await asyncio.open_connection("127.0.0.1", settings.agi_port)
                w.close()
                break
            await asyncio.sleep(0.05)
        variables: dict[str, str] = {}

        def answer(command: str) -> list[str]:
            if verb_of(command) == "SET VARIABLE":
                _, name, value = command.split(" ", 3)[1:]
                variables[name] = value
                return ["200 result=1"]
            return default_reply(verb_of(command))

        log = await play_session(settings.agi_port, environment(dnid="12315"), answer)
        assert log.closed_by_server
        assert (variables[VAR_QUEUE], variables[VAR_ACTION]) == ("q-enterprise", "queue")
        # No vosk model configured: speech capture is off, with a warning, and calls go on.
        assert "speech: capture disabled" in caplog.text
        assert not any(c.startswith("RECORD FILE") for c in log.commands)
    finally:
        role.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await role
        db.dispose()

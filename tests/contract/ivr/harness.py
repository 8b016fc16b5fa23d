"""Starts the real IVR server (real TCP, real Redis hand-off) with chosen flow dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Redis

from core.contracts import CallerProfile, HandoffRecord
from core.handoff import HandoffProducer, decode, stream_key
from core.settings import Settings
from ivr.app import make_deps, routes_for
from ivr.backend import CallerLookup
from ivr.classify import Classifier
from ivr.flows.common import IvrDeps, Transcriber
from ivr.server import FastAgiServer
from ivr.speech import Transcript


async def no_history(phone: str) -> CallerProfile | None:
    return None


@dataclass
class TextTranscriber:
    """Stands in for vosk where a test needs a known sentence (the real pipeline has its own tests)."""

    text: str
    available: bool = True
    paths: list[Path] = field(default_factory=list)

    async def transcribe(self, wav_path: Path, timeout_s: float) -> Transcript | None:
        self.paths.append(wav_path)
        return Transcript(self.text, 5.0, 0.5)


@dataclass
class Ivr:
    server: FastAgiServer
    port: int
    deps: IvrDeps


@asynccontextmanager
async def running_ivr(
    settings: Settings,
    redis: Redis,
    *,
    speech: Transcriber | None = None,
    lookup: CallerLookup = no_history,
    classifier: Classifier | None = None,
    port: int = 0,
) -> AsyncIterator[Ivr]:
    producer = HandoffProducer(redis, settings.redis_prefix, settings.data_dir / "handoff-spool.jsonl")
    deps = make_deps(settings, producer, lookup, classifier=classifier, speech=speech)
    server = FastAgiServer(routes_for(deps), settings.agi_command_timeout_s)
    bound = await server.start("127.0.0.1", port)
    try:
        yield Ivr(server, bound, deps)
    finally:
        await server.close()
        await deps.drain()


async def handed_off(redis: Redis, prefix: str) -> list[HandoffRecord]:
    return [decode(fields) for _id, fields in await redis.xrange(stream_key(prefix))]

"""`python -m bench ami`: the AMI path, parser → live state → Redis, on `busy_minute` scaled up.

1. Throughput on one core: the capture's events (as recorded, `read = all`, and as Asterisk
   sends them with our event filters) are fed in 64 KiB reads through the real parser,
   dispatcher, handlers and StateWriter into a real Redis (one pipeline per read); events/s.
2. Latency: events paced at `--rate` events/s through the service's own event sink and writer
   loop; p50/p99 from the read that carried an event to the Redis reply that stored its effect.
3. panoramisk 1.4's own parser and dispatch on the same bytes (no state work), for comparison,
   set up as its Manager does (`encoding='utf8'`); and how many events it alters when a read
   boundary cuts a UTF-8 character (64 KiB reads, and 1,460-byte reads: one TCP segment each).

Needs Redis at HOTLINE_REDIS_URL (default redis://127.0.0.1:6379/0); keys use a throw-away prefix.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench._extra import require
from callflow.ami.protocol import AmiParser
from callflow.handlers import build_dispatcher, event_filters
from callflow.live import LiveState
from callflow.notifier import Notifier
from callflow.service import CallflowService
from callflow.store import StateWriter
from core.handoff import HandoffProducer
from core.settings import Settings

READ_SIZE = 65536


def _default_capture() -> Path:
    return Path(__file__).resolve().parents[1] / "tests" / "data" / "captures" / "busy_minute"


def load_events(capture: Path) -> list[bytes]:
    out: list[bytes] = []
    for line in (capture / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["dir"] == "recv" and entry["raw"].startswith("Event: ") and "ActionID: " not in entry["raw"]:
            out.append(entry["raw"].encode("utf-8"))
    return out


def scale(events: list[bytes], copies: int) -> list[bytes]:
    """`copies` busy minutes in a row, each with its own uniqueids and channel names."""
    out: list[bytes] = []
    for n in range(copies):
        tag = f"{n:04x}".encode()
        stamp = str(1795326 + 1000 * (n + 1)).encode()
        out.extend(e.replace(b"1795326", stamp).replace(b"-0000", b"-" + tag) for e in events)
    return out


def filtered(events: list[bytes], patterns: list[str]) -> list[bytes]:
    """What Asterisk sends once our Filter actions are in place (regex whitelist)."""
    regexes = [re.compile(p.encode()) for p in patterns]
    return [e for e in events if any(r.search(e) for r in regexes)]


def reads(events: list[bytes]) -> list[bytes]:
    stream = b"".join(events)
    return [stream[i : i + READ_SIZE] for i in range(0, len(stream), READ_SIZE)]


async def throughput(settings: Settings, redis: Redis, events: list[bytes]) -> tuple[float, int]:
    state = LiveState(settings)
    dispatcher = build_dispatcher(state)
    writer = StateWriter(redis, state, Notifier(settings.redis_prefix))
    parser = AmiParser()
    chunks = reads(events)
    start = time.perf_counter()
    for chunk in chunks:
        for block in parser.feed(chunk):
            dispatcher.dispatch_raw(block)
        state.effects.clear()  # records are measured in the latency run (real hand-off)
        await writer.flush()
    elapsed = time.perf_counter() - start
    assert dispatcher.stats.handler_errors == 0
    return len(events) / elapsed, writer.flushes


async def latency(settings: Settings, redis: Redis, events: list[bytes], rate: int) -> list[float]:
    spool = Path(tempfile.mkdtemp()) / "spool.jsonl"
    service = CallflowService(settings, redis, HandoffProducer(redis, settings.redis_prefix, spool), "bench")
    service.latencies = []
    tasks = [asyncio.create_task(service._write_loop()), asyncio.create_task(service._publish_loop())]
    parser = AmiParser()
    tick_s = 0.005  # events arrive in reads every 5 ms, as a busy manager connection does
    per_tick = max(1, round(rate * tick_s))
    start = time.perf_counter()
    for i in range(0, len(events), per_tick):
        due = start + (i / per_tick) * tick_s
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        service._on_events(parser.feed(b"".join(events[i : i + per_tick])), time.perf_counter())
    while True:
        await asyncio.sleep(0.01)
        if service.idle:
            break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return service.latencies


def _panoramisk_protocol(loop: asyncio.AbstractEventLoop, on_event: Callable[[Any], None]) -> Any:
    """An AMIProtocol set up exactly as panoramisk's Manager.connect sets it up once the socket is
    connected (Manager.connection_made: factory, queue, `encoding` = the Manager's 'utf8'), with no
    login; every dispatched event goes to `on_event`."""
    from panoramisk.ami_protocol import AMIProtocol
    from panoramisk.manager import Manager

    manager = Manager(loop=loop)
    manager.register_event("*", lambda _manager, event: on_event(event))
    protocol = AMIProtocol()
    transport = _NullTransport()
    protocol.connection_made(transport)
    connected: asyncio.Future[tuple[_NullTransport, Any]] = loop.create_future()
    connected.set_result((transport, protocol))
    manager.connection_made(connected)  # its on_connect and pinger are scheduled, never run here
    assert protocol.encoding == "utf8"
    protocol.version = "11.0.0"  # the banner is not in the event stream
    return protocol


def panoramisk_rate(events: list[bytes]) -> float:
    """panoramisk 1.4: AMIProtocol.data_received → Message.from_line → Manager.dispatch, no handlers' work."""
    loop = asyncio.new_event_loop()
    try:
        seen = [0]

        def count(_event: object) -> None:
            seen[0] += 1

        protocol = _panoramisk_protocol(loop, count)
        # FullyBooted makes a Manager send its awaiting actions; it is not dispatch work.
        chunks = reads([e for e in events if not e.startswith(b"Event: FullyBooted")])
        start = time.perf_counter()
        for chunk in chunks:
            protocol.data_received(chunk)
        elapsed = time.perf_counter() - start
        return seen[0] / elapsed
    finally:
        loop.close()


def panoramisk_split_damage(events: list[bytes], read_size: int) -> tuple[int, int]:
    """(events with non-ASCII text, how many of them panoramisk hands over altered) when the
    stream arrives in `read_size` reads: it decodes each read on its own with errors ignored, so a
    UTF-8 character cut by a read boundary is dropped without a trace."""
    from panoramisk.message import Message

    events = [e for e in events if not e.startswith(b"Event: FullyBooted")]
    got: list[dict[str, Any]] = []
    loop = asyncio.new_event_loop()
    try:
        protocol = _panoramisk_protocol(loop, lambda event: got.append(dict(event)))
        stream = b"".join(events)
        for i in range(0, len(stream), read_size):
            protocol.data_received(stream[i : i + read_size])
    finally:
        loop.close()
    assert len(got) == len(events)
    wide = damaged = 0
    for raw, event in zip(events, got, strict=True):
        if raw.isascii():
            continue
        wide += 1
        # What its own parser makes of the event decoded whole: the only difference is the split.
        whole = dict(Message.from_line(raw.decode("utf-8").strip()))
        damaged += event != whole
    return wide, damaged


class _NullTransport:
    def write(self, data: bytes) -> None:
        del data

    def close(self) -> None:
        pass


async def _run(args: argparse.Namespace) -> int:
    # No AMI connection here: the three-ring pauses the replay triggers are expected to be refused.
    logging.getLogger("callflow").setLevel(logging.ERROR)
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    settings = Settings(
        redis_prefix=prefix, redis_url=os.environ.get("HOTLINE_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    redis = Redis.from_url(settings.redis_url)
    try:
        base = load_events(args.capture)
        wire = scale(base, args.copies)
        patterns = event_filters(build_dispatcher(LiveState(settings)))
        wanted = filtered(wire, patterns)
        print(
            f"capture: {args.capture.name}, {len(base)} events x {args.copies} = {len(wire)} events "
            f"({len(wanted)} after our event filters)"
        )
        rate_all, flushes = await throughput(settings, redis, wire)
        await _clean(redis, prefix)
        rate_filtered, _ = await throughput(settings, redis, wanted)
        await _clean(redis, prefix)
        print(
            f"throughput, read=all stream:   {rate_all:,.0f} events/s on one core ({flushes} Redis pipelines)"
        )
        print(f"throughput, filtered stream:   {rate_filtered:,.0f} events/s on one core")
        lat_events = wire[: args.rate * args.seconds]
        samples = await latency(settings, redis, lat_events, args.rate)
        await _clean(redis, prefix)
        samples.sort()
        p50 = statistics.median(samples) * 1000
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000
        print(
            f"latency at {args.rate:,} events/s for {args.seconds} s ({len(samples)} reads): "
            f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {samples[-1] * 1000:.2f} ms (event read -> in Redis)"
        )
        rate = panoramisk_rate(wire)
        print(f"panoramisk 1.4 parse+dispatch (utf8, as its Manager), no state: {rate:,.0f} events/s")
        for size in (READ_SIZE, 1460):
            wide, damaged = panoramisk_split_damage(wire, size)
            print(
                f"panoramisk 1.4 in {size:,}-byte reads: {damaged} of {wide:,} events with Chinese text "
                "arrive altered (a character split across two reads is dropped)"
            )
        ok = rate_all >= 50_000 and p99 <= 5.0
        print("targets (>= 50,000 events/s, p99 <= 5 ms):", "met" if ok else "NOT met")
        return 0
    finally:
        await _clean(redis, prefix)
        await redis.aclose()


async def _clean(redis: Redis, prefix: str) -> None:
    async for key in redis.scan_iter(match=f"{prefix}*", count=500):
        await redis.delete(key)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ami", description=__doc__.splitlines()[0])
    parser.add_argument("--capture", type=Path, default=_default_capture())
    parser.add_argument("--copies", type=int, default=25, help="busy minutes in a row (25 = ~51,000 events)")
    parser.add_argument("--rate", type=int, default=2000, help="events/s for the latency run")
    parser.add_argument("--seconds", type=int, default=5, help="length of the latency run")
    args = parser.parse_args(argv)
    require("ami", "panoramisk")  # its figure is printed last: say so before a minute of work
    return asyncio.run(_run(args))

"""The AMI role: lease → connect → filters → resync → consume events, run desk commands, write
the live state to Redis and hand finished calls to the ticket writer. Reconnects with back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Coroutine
from functools import partial

from redis.asyncio import Redis

from callflow import resync
from callflow.ami import actions
from callflow.ami.client import AmiClient, AmiError
from callflow.commands import CommandServer
from callflow.executor import CommandExecutor
from callflow.handlers import build_dispatcher, event_filters
from callflow.lease import Lease, LeaseLost
from callflow.live import Clock, LiveState, PauseSeat, PublishRecord, SendAction, utcnow
from callflow.notifier import Notifier
from callflow.store import Keys, StateWriter
from core.aio import honour_cancel
from core.contracts import CallRecord, EmergencyReferral
from core.handoff import HandoffProducer
from core.settings import Settings

log = logging.getLogger(__name__)


class CallflowService:
    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        producer: HandoffProducer,
        node: str,
        *,
        clock: Clock = utcnow,
        tick_s: float = 1.0,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.producer = producer
        self.node = node
        self.tick_s = tick_s
        self.state = LiveState(settings, clock)
        self.dispatcher = build_dispatcher(self.state)
        self.writer = StateWriter(redis, self.state, Notifier(settings.redis_prefix))
        self.writer.on_flushed = self._flushed
        self.lease = Lease(
            redis, Keys(settings.redis_prefix).lease(f"{settings.ami_host}:{settings.ami_port}"), node
        )
        self.wake = asyncio.Event()
        self.records: asyncio.Queue[CallRecord | EmergencyReferral] = asyncio.Queue()
        self.client: AmiClient | None = None
        self.connected = asyncio.Event()
        self.sessions = 0
        self.resyncs = 0
        self.published = 0
        self.filters_refused = False
        # (state version, receive time) of event batches not yet in Redis: event-to-Redis latency.
        self._inflight: deque[tuple[int, float]] = deque()
        self.latencies: list[float] | None = None
        self._background: set[asyncio.Task[None]] = set()
        # Three-ring pauses that could not reach Asterisk (AMI down): seat → reason, retried after resync.
        self.pending_pauses: dict[str, str] = {}

    # ---- top level ------------------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            await self.lease.wait_acquire()
            try:
                await self._run_holding_lease()
            except* LeaseLost as group:
                log.error("callflow: %s; standing by", group.exceptions[0])
                self.state = LiveState(self.settings, self.state.clock)
                self.pending_pauses.clear()  # the node now holding the lease enforces its own misses
                self.dispatcher = build_dispatcher(self.state)
                self.writer = StateWriter(self.redis, self.state, Notifier(self.settings.redis_prefix))
                self.writer.on_flushed = self._flushed

    async def _run_holding_lease(self) -> None:
        try:
            await self.writer.load()
        except Exception as exc:  # Redis down at start: today's figures start from zero
            log.warning("callflow: could not take over the previous state (%s)", exc)
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.lease.keep())
                group.create_task(self._write_loop())
                group.create_task(self._publish_loop())
                group.create_task(self._tick_loop())
                group.create_task(self._ami_loop())
        finally:
            await self.lease.release()

    # ---- AMI ------------------------------------------------------------------------------------
    async def _ami_loop(self) -> None:
        delay = 0.5
        while True:
            started = time.monotonic()
            try:
                await self._session()
            except (AmiError, OSError, TimeoutError) as exc:
                log.warning("callflow: AMI %s:%s: %s", self.settings.ami_host, self.settings.ami_port, exc)
            finally:
                self.connected.clear()
            if time.monotonic() - started > 30:
                delay = 0.5  # the connection was healthy for a while: retry fast
            await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))
            delay = min(delay * 2, self.settings.ami_reconnect_max_s)

    async def _session(self) -> None:
        s = self.settings
        client = AmiClient(s.ami_host, s.ami_port, s.ami_user, s.ami_secret, on_events=self._on_events)
        await client.connect()
        reader = asyncio.create_task(client.read_loop())
        tasks: list[asyncio.Task[None]] = []
        executor = CommandExecutor(client, self.state, self.wake)
        commands = CommandServer(
            self.redis, s.redis_prefix, executor, emergency_numbers=s.emergency_targets()
        )
        command_task: asyncio.Task[None] | None = None
        # Set before the resync: a three-ring pause may be due while the snapshot is read.
        self.client = client
        try:
            await self._start(client)
            self.sessions += 1
            self.connected.set()
            command_task = asyncio.create_task(commands.run())
            tasks = [asyncio.create_task(self._keepalive(client))]
            await reader
        finally:
            self.client = None
            commands.stop()
            if command_task is not None:
                command_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await command_task
            executor.close()
            for task in [*tasks, reader]:
                task.cancel()
            for task in [*tasks, reader]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await client.close()

    async def _start(self, client: AmiClient) -> None:
        await client.login()
        # Ask only for what the handlers use (the captures show read=all is mostly noise).
        for pattern in event_filters(self.dispatcher):
            reply = await client.action(actions.event_filter(pattern))
            if reply.response != "Success":
                # Filters need the `system` privilege; without it we cope with everything.
                self.filters_refused = True
                log.warning("callflow: event filter refused (%s); consuming unfiltered", reply.get("Message"))
                break
        await client.action(actions.login_events_on())
        # DESIGN.md "Resync, don't trust": rebuild from the switch after every (re)connect.
        await client.list_action(
            actions.queue_status(), on_complete=partial(resync.apply_queue_status, self.state)
        )
        await client.list_action(
            actions.core_show_channels(), on_complete=partial(resync.apply_channels, self.state)
        )
        self.resyncs += 1
        self._drain_effects()
        self._retry_pauses()
        self.wake.set()
        log.info("callflow: AMI connected to %s (%s), state resynced", client.host, client.banner)

    async def _keepalive(self, client: AmiClient) -> None:
        interval = self.settings.ami_ping_interval_s
        while True:
            await asyncio.sleep(interval)
            try:
                await client.action(actions.ping(), timeout_s=interval)
            except AmiError as exc:
                log.warning("callflow: AMI keep-alive failed (%s); reconnecting", exc)
                await client.close()
                return

    def _on_events(self, blocks: list[bytes], received: float) -> None:
        dispatch = self.dispatcher.dispatch_raw
        for block in blocks:
            dispatch(block)
        self._drain_effects()
        if self.latencies is not None:
            self._inflight.append((self.state.version, received))
        self.wake.set()

    def _drain_effects(self) -> None:
        effects, self.state.effects = self.state.effects, []
        for effect in effects:
            if isinstance(effect, PublishRecord):
                self.records.put_nowait(effect.record)
            elif isinstance(effect, PauseSeat):
                self._spawn(self._pause(effect))
            elif isinstance(effect, SendAction):
                self._spawn(self._send_effect(effect))

    async def _send_effect(self, effect: SendAction) -> None:
        client = self.client
        if client is None:
            # The leg it was for is gone or will be found by the resync; nothing to replay.
            log.warning("callflow: AMI down, %s not sent (%s)", effect.action.get("Action"), effect.why)
            return
        try:
            reply = await client.action(effect.action)
        except AmiError as exc:
            log.warning("callflow: %s failed (%s): %s", effect.action.get("Action"), effect.why, exc)
            return
        if reply.response != "Success":
            log.warning(
                "callflow: %s refused (%s): %s", effect.action.get("Action"), effect.why, reply.get("Message")
            )

    async def _pause(self, effect: PauseSeat) -> None:
        client = self.client
        if client is None:
            log.warning("callflow: cannot pause seat %s: AMI is down; retrying after reconnect", effect.ext)
            self.pending_pauses[effect.ext] = effect.reason
            return
        # 004 §11: a seat that let it ring past three rings goes not-ready at once.
        try:
            reply = await client.action(actions.queue_pause(effect.ext, True, effect.reason))
        except AmiError as exc:
            # The connection died with the action in flight: it may or may not have been applied;
            # the resync after reconnect tells (see `_retry_pauses`).
            log.warning("callflow: pausing seat %s failed (%s); retrying after reconnect", effect.ext, exc)
            self.pending_pauses[effect.ext] = effect.reason
            return
        self.pending_pauses.pop(effect.ext, None)
        if reply.response != "Success":
            # Refused by Asterisk (e.g. the member is gone): retrying would be refused the same way.
            log.warning("callflow: pausing seat %s failed: %s", effect.ext, reply.get("Message"))

    def _retry_pauses(self) -> None:
        """After a resync: send the three-ring pauses lost with the connection, but only for seats
        still logged in and not already paused (Asterisk may have applied it before the drop, or
        the seat logged out or paused itself while we were away)."""
        pending, self.pending_pauses = self.pending_pauses, {}
        for ext, reason in pending.items():
            seat = self.state.seats.get(ext)
            if seat is None or not seat.memberships:
                log.info("callflow: seat %s logged out while AMI was away; pause dropped", ext)
            elif all(m.paused for m in seat.memberships.values()):
                log.info("callflow: seat %s is already paused; pause not repeated", ext)
            else:
                self._spawn(self._pause(PauseSeat(ext, reason)))

    def _spawn(self, coro: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @property
    def idle(self) -> bool:
        """Everything received so far is in Redis, handed off, and its actions answered."""
        return (
            self.writer.flushed_version >= self.state.version
            and not self.state.full_rewrite
            and self.records.empty()
            and not self.state.effects
            and not self._background
        )

    # ---- Redis ----------------------------------------------------------------------------------
    async def _write_loop(self) -> None:
        backoff = 0.1
        while True:
            await self.wake.wait()
            self.wake.clear()
            flushed = await self.writer.flush()
            honour_cancel()
            if flushed:
                backoff = 0.1
                continue
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
            self.wake.set()

    def _flushed(self, version: int) -> None:
        if self.latencies is None:
            self._inflight.clear()
            return
        now = time.perf_counter()
        while self._inflight and self._inflight[0][0] <= version:
            _, received = self._inflight.popleft()
            self.latencies.append(now - received)

    async def _publish_loop(self) -> None:
        """Hands finished calls to the ticket writer; the producer spools while Redis is away."""
        while True:
            record = await self.records.get()
            try:
                await self.producer.publish(record)
                honour_cancel()
                self.published += 1
            except Exception:
                log.exception("callflow: could not hand off %s %s; retrying", record.kind, record.linkedid)
                await asyncio.sleep(1.0)
                await self.records.put(record)

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            version = self.state.version
            self.state.tick()
            if self.state.version != version:
                self.wake.set()


async def run_callflow(settings: Settings, redis: Redis, producer: HandoffProducer, node: str) -> None:
    """The `ami` role (hotline.runtime): exactly one per Asterisk node, by Redis lease."""
    await CallflowService(settings, redis, producer, node).run()

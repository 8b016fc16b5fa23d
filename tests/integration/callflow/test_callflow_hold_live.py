"""Hold / resume on a real Asterisk 22 running the rendered configuration, over real SIP calls.

Skipped unless HOTLINE_TEST_ASTERISK_BIN names an Asterisk 22 binary. The harness (directories,
settings, boot, the second Asterisk that plays the carrier and seat 1001's phone) is the
asterisk_conf live test's; here the seat's phone answers and stays on the line. Call control is
the project's own: AmiClient → handler table → LiveState, and CommandExecutor for the commands.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from functools import partial

import pytest

from asterisk_conf.render import render_to_dir
from callflow.ami import actions
from callflow.ami.client import AmiClient
from callflow.commands import CommandReply, HangupChannel, Hold, Resume, SeatLogin
from callflow.executor import CommandExecutor
from callflow.handlers import build_dispatcher
from callflow.live import Call, LiveState, PublishRecord, SendAction
from callflow.resync import apply_channels
from core import dialplan
from core.contracts import CallRecord
from core.settings import Settings
from tests.integration.asterisk_conf.test_asterisk_conf_live import (
    ASTERISK_BIN,
    WAIT_S,
    Ami,
    Live,
    asterisk_dirs,
    fastagi,
    free_port,
    hotline_settings,
    peer_files,
    poll_cli,
    running_asterisk,
)

pytestmark = [
    pytest.mark.live_asterisk,
    pytest.mark.slow,
    pytest.mark.skipif(not ASTERISK_BIN, reason="HOTLINE_TEST_ASTERISK_BIN is not set"),
]


@dataclass
class HoldLive:
    hotline: Live
    peer_ami_port: int


@pytest.fixture(scope="module")
def hold_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HoldLive]:
    root = tmp_path_factory.mktemp("hold")
    trunk_port, seat_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    dirs = asterisk_dirs(root / "hotline")
    settings = hotline_settings(root, dirs, trunk_port)
    render_to_dir(settings, dirs["etc"])
    peer_dirs = asterisk_dirs(root / "peer")
    peer_ami_port = free_port()
    files = peer_files(peer_dirs, settings, trunk_port, seat_port, peer_ami_port)
    seat = settings.softswitch.seats[0]
    # The seat's phone answers every call and stays on the line until hung up.
    files["extensions.conf"] = f"[peer-in]\nexten => {seat.extension},1,Answer()\n same => n,Wait(120)\n"
    for name, text in files.items():
        (peer_dirs["etc"] / name).write_text(text, encoding="utf-8")
    conf, peer_conf = dirs["etc"] / "asterisk.conf", peer_dirs["etc"] / "asterisk.conf"
    with (
        running_asterisk(conf, dirs["run"], root / "hotline.log") as startup,
        running_asterisk(peer_conf, peer_dirs["run"], root / "peer.log"),
    ):
        live = Live(settings, conf, root / "hotline.log", startup, None)
        poll_cli(live, f"pjsip show aor {seat.extension}", f"sip:{seat.extension}@127.0.0.1")
        yield HoldLive(live, peer_ami_port)


@dataclass
class Control:
    state: LiveState
    client: AmiClient
    execute: CommandExecutor
    changed: asyncio.Event

    async def until(self, probe: Callable[[], bool]) -> None:
        """Waits for the state to get there (WAIT_S is an upper bound, not a speed assertion)."""
        async with asyncio.timeout(WAIT_S):
            while not probe():
                self.changed.clear()
                await self.changed.wait()

    def records(self) -> list[CallRecord]:
        return [
            e.record
            for e in self.state.effects
            if isinstance(e, PublishRecord) and isinstance(e.record, CallRecord)
        ]

    async def run_effects(self) -> list[SendAction]:
        """What the AMI role's service does with the state's SendAction effects."""
        sent = [e for e in self.state.effects if isinstance(e, SendAction)]
        self.state.effects = [e for e in self.state.effects if not isinstance(e, SendAction)]
        for effect in sent:
            assert (await self.client.action(effect.action)).response == "Success", effect
        return sent


@pytest.fixture
async def control(hold_live: HoldLive) -> AsyncIterator[Control]:
    s: Settings = hold_live.core.settings
    state = LiveState(s)
    dispatcher = build_dispatcher(state)
    changed = asyncio.Event()

    def on_events(blocks: list[bytes], _received: float) -> None:
        for block in blocks:
            dispatcher.dispatch_raw(block)
        changed.set()

    client = AmiClient("127.0.0.1", s.ami_port, s.ami_user, s.ami_secret, on_events=on_events)
    await client.connect()
    reader = asyncio.create_task(client.read_loop())
    try:
        await client.login()
        assert (await client.action(actions.login_events_on())).response == "Success"
        ctl = Control(state, client, CommandExecutor(client, state), changed)
        assert (await ctl.execute(SeatLogin(seat="1001", queues=["q-general"]))).ok
        await ctl.until(lambda: "1001" in state.seats and "q-general" in state.seats["1001"].memberships)
        yield ctl
        await client.action(actions.queue_remove("q-general", "1001"))
        await client.action({"Action": "Hangup", "Channel": "/^PJSIP\\//"})
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await client.close()


async def citizen_calls(hold_live: HoldLive) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", hold_live.peer_ami_port)
    await reader.readline()
    peer = Ami(reader, writer)
    try:
        assert (await peer.send("Login", Username="peer", Secret="peer-secret"))["Response"] == "Success"
        reply = await peer.send(
            "Originate",
            Channel="PJSIP/12345@hotline",
            Application="Wait",
            Data="120",
            Async="true",
            CallerID='"市民" <13800000001>',
        )
        assert reply["Response"] == "Success", reply
    finally:
        await peer.close()


async def answered_call(ctl: Control, hold_live: HoldLive) -> Call:
    async with fastagi(hold_live.core.settings.agi_port, {dialplan.VAR_QUEUE: "q-general"}):
        await citizen_calls(hold_live)
        await ctl.until(
            lambda: any(c.state == "talking" and c.seat == "1001" for c in ctl.state.calls.values())
        )
    (call,) = ctl.state.calls.values()
    return call


def where(live: Live, channel: str) -> tuple[str, str, str]:
    """(context, application, bridge id) of a channel, from `core show channels concise`."""
    for line in live.cli("core show channels concise").splitlines():
        f = line.split("!")
        if f[0] == channel:
            return f[1], f[5], f[12]
    return "", "", ""


def poll_where(
    live: Live, channel: str, probe: Callable[[tuple[str, str, str]], bool]
) -> tuple[str, str, str]:
    for _ in range(int(WAIT_S * 10)):
        got = where(live, channel)
        if probe(got):
            return got
        threading.Event().wait(0.1)
    pytest.fail(f"{channel} never got there: {where(live, channel)}")


def ok(reply: CommandReply) -> None:
    assert reply.ok, reply


async def test_hold_plays_music_and_resume_bridges_them_back(hold_live: HoldLive, control: Control) -> None:
    live, ctl = hold_live.hotline, control
    call = await answered_call(ctl, hold_live)
    citizen, seat = call.channel, call.seat_channel
    assert seat is not None

    ok(await ctl.execute(Hold(seat="1001", linkedid=call.linkedid)))
    got = await asyncio.to_thread(poll_where, live, citizen, lambda w: w[1] == "MusicOnHold")
    assert got[0] == dialplan.CTX_HOLD
    got = await asyncio.to_thread(poll_where, live, seat, lambda w: w[1] == "Wait")
    assert got[0] == dialplan.CTX_HOLD_SEAT
    assert (await ctl.execute(Hold(seat="1001", linkedid=call.linkedid))).code == "conflict"
    # Whatever app_queue reports about its own call, the seat is still on this one.
    assert ctl.state.seats["1001"].talking == call.linkedid and call.held
    # An AMI role restarted mid-hold takes the call back from Redis and resyncs from the switch.
    restarted = LiveState(live.settings)
    restarted.seat("1001")
    restarted.restore_call(ctl.state.call_view(call))
    await ctl.client.list_action(actions.core_show_channels(), on_complete=partial(apply_channels, restarted))
    again = restarted.calls[call.linkedid]
    assert again.held and again.held_leg and again.seat_channel == seat
    assert restarted.seats["1001"].talking == call.linkedid

    ok(await ctl.execute(Resume(seat="1001", linkedid=call.linkedid)))
    bridged = await asyncio.to_thread(poll_where, live, citizen, lambda w: w[2] != "")
    assert where(live, seat)[2] == bridged[2]  # one bridge: they talk again
    assert not call.held and call.state == "talking"

    # The seat hangs up: the citizen's leg goes on to Hangup (not back to the music).
    ok(await ctl.execute(HangupChannel(channel=seat)))
    await ctl.until(lambda: bool(ctl.records()))
    (record,) = ctl.records()
    assert record.linkedid == call.linkedid and record.outcome == "answered" and record.seat == "1001"
    (period,) = record.holds
    assert period.seat == "1001" and period.end is not None
    await ctl.until(lambda: ctl.state.seats["1001"].talking is None)
    assert await ctl.run_effects() == []  # nothing left alone: no requeue, no extra hang-up


async def test_a_seat_hanging_up_on_hold_sends_the_citizen_back_to_the_queue(
    hold_live: HoldLive, control: Control
) -> None:
    ctl = control
    call = await answered_call(ctl, hold_live)
    first_seat_channel = call.seat_channel
    assert first_seat_channel is not None
    ok(await ctl.execute(Hold(seat="1001", linkedid=call.linkedid)))
    await asyncio.to_thread(poll_where, hold_live.hotline, call.channel, lambda w: w[1] == "MusicOnHold")
    ok(await ctl.execute(HangupChannel(channel=first_seat_channel)))
    await ctl.until(lambda: call.seat_channel is None)
    (requeue,) = await ctl.run_effects()
    assert requeue.action == actions.redirect(call.channel, dialplan.CTX_QUEUE, dialplan.EXT_START)
    # Back in the queue, the citizen is answered again (seat 1001 is free and ready).
    await ctl.until(lambda: call.seat_channel not in (None, first_seat_channel) and call.state == "talking")
    assert not call.held and ctl.records() == []
    ok(await ctl.execute(HangupChannel(channel=call.channel)))
    await ctl.until(lambda: bool(ctl.records()))
    (record,) = ctl.records()
    assert record.linkedid == call.linkedid and len(record.holds) == 1 and record.holds[0].end is not None

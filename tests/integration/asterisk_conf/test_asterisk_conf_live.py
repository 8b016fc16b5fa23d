"""The rendered configuration on a real Asterisk 22: it loads cleanly and calls flow through it.

Skipped unless HOTLINE_TEST_ASTERISK_BIN names an Asterisk 22 binary (a source install: the
modules and XML documentation are found under its prefix, or set HOTLINE_TEST_ASTERISK_MODULES
and HOTLINE_TEST_ASTERISK_DOCS). Everything listens on loopback ports chosen at random. Calls
are Local channels into the rendered contexts; the FastAGI server is a small one in the test,
and the SIP trunk is a UDP responder that answers every INVITE with 486 Busy, which is what
the emergency branch must survive.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
import struct
import subprocess
import sys
import threading
import wave
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from asterisk_conf import ami
from asterisk_conf.modules import modules_for
from asterisk_conf.render import render_to_dir
from core import dialplan
from core.settings import Settings

ASTERISK_BIN = os.environ.get("HOTLINE_TEST_ASTERISK_BIN", "")
WAIT_S = 30.0  # an upper bound for an event to arrive, not a speed assertion

pytestmark = [
    pytest.mark.live_asterisk,
    pytest.mark.slow,
    pytest.mark.skipif(not ASTERISK_BIN, reason="HOTLINE_TEST_ASTERISK_BIN is not set"),
]


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class BusyTrunk:
    """A SIP peer on UDP that answers OPTIONS with 200 and every INVITE with 486 Busy Here."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.invites: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", port))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            text = data.decode("utf-8", "replace")
            method, _, rest = text.partition(" ")
            if method == "INVITE":
                self.invites.append(rest.split(" ", 1)[0])
                self._sock.sendto(self._reply(text, "486 Busy Here"), peer)
            elif method == "OPTIONS":
                self._sock.sendto(self._reply(text, "200 OK"), peer)

    @staticmethod
    def _reply(request: str, status: str) -> bytes:
        keep = ("via", "from", "to", "call-id", "cseq")
        headers = [
            line for line in request.split("\r\n")[1:] if line.split(":", 1)[0].strip().lower() in keep
        ]
        headers = [
            h + ";tag=busytrunk" if h.lower().startswith("to:") and "tag=" not in h else h for h in headers
        ]
        return (
            "SIP/2.0 " + status + "\r\n" + "\r\n".join(headers) + "\r\nContent-Length: 0\r\n\r\n"
        ).encode()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()


@dataclass
class Live:
    settings: Settings
    conf: Path
    log: Path
    startup_log: str
    trunk: BusyTrunk | None

    def cli(self, command: str) -> str:
        out = subprocess.run(
            [ASTERISK_BIN, "-C", str(self.conf), "-rx", command],
            capture_output=True,
            text=True,
            timeout=WAIT_S,
            check=True,
        )
        return out.stdout


def _prefix_dir(env: str, relative: str) -> Path:
    value = os.environ.get(env)
    if value:
        return Path(value)
    return Path(ASTERISK_BIN).resolve().parents[1] / relative


def asterisk_dirs(root: Path) -> dict[str, Path]:
    dirs = {name: root / name for name in ("etc", "lib", "spool", "log", "run")}
    for d in dirs.values():
        d.mkdir(parents=True)
    docs = _prefix_dir("HOTLINE_TEST_ASTERISK_DOCS", "var/lib/asterisk/documentation")
    if docs.is_dir():
        (dirs["lib"] / "documentation").symlink_to(docs)
    (dirs["lib"] / "moh").mkdir()
    with wave.open(str(dirs["lib"] / "moh" / "tone.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(2000 * math.sin(i / 8000 * 2 * math.pi * 440))) for i in range(8000)
            )
        )
    return dirs


def directories(dirs: dict[str, Path]) -> dict[str, str]:
    return {
        "etc": str(dirs["etc"]),
        "modules": str(_prefix_dir("HOTLINE_TEST_ASTERISK_MODULES", "lib/asterisk/modules")),
        "var_lib": str(dirs["lib"]),
        "data": str(dirs["lib"]),
        "spool": str(dirs["spool"]),
        "log": str(dirs["log"]),
        "run": str(dirs["run"]),
    }


def hotline_settings(root: Path, dirs: dict[str, Path], trunk_port: int) -> Settings:
    # The local fail-safe of ivr/failsafe/, run as classic AGI by this interpreter (it has pyst2).
    failsafe = root / "failsafe-agi"
    script = Path(__file__).resolve().parents[3] / "ivr" / "failsafe" / "hotline_failsafe_agi.py"
    failsafe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n', encoding="utf-8")
    failsafe.chmod(0o755)
    return Settings(
        ami_port=free_port(),
        agi_port=free_port(),
        asterisk_recordings_dir=str(root / "monitor"),
        softswitch={
            "sip_bind": "127.0.0.1",
            "sip_port": free_port(socket.SOCK_DGRAM),
            "http_port": free_port(),
            "rtp_start": 31000,
            "rtp_end": 31999,
            "trunks": [{"name": dialplan.TRUNK_ENDPOINT, "host": "127.0.0.1", "port": trunk_port}],
            "emergency": {"ring_timeout_s": 10},
            "failsafe_agi": str(failsafe),
            "directories": directories(dirs),
        },
    )


@contextlib.contextmanager
def running_asterisk(conf: Path, run_dir: Path, log: Path) -> Iterator[str]:
    """Starts Asterisk in the foreground on `conf`; yields its log up to FullyBooted."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [ASTERISK_BIN, "-C", str(conf), "-f", "-n", "-g", "-vvv"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        booted = False
        for _ in range(int(WAIT_S * 4)):
            if proc.poll() is not None:
                break
            if (run_dir / "asterisk.ctl").exists():
                done = subprocess.run(
                    [ASTERISK_BIN, "-C", str(conf), "-rx", "core waitfullybooted"],
                    capture_output=True,
                    text=True,
                    timeout=WAIT_S,
                    check=False,
                )
                if done.returncode == 0 and "fully booted" in done.stdout:
                    booted = True
                    break
            threading.Event().wait(0.25)
        if not booted:
            pytest.fail("Asterisk did not boot:\n" + log.read_text(errors="replace")[-4000:])
        yield log.read_text(errors="replace")
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(
                [ASTERISK_BIN, "-C", str(conf), "-rx", "core stop now"],
                timeout=WAIT_S,
                check=False,
                capture_output=True,
            )
        try:
            proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("asterisk")
    dirs = asterisk_dirs(root)
    trunk = BusyTrunk(free_port(socket.SOCK_DGRAM))
    settings = hotline_settings(root, dirs, trunk.port)
    render_to_dir(settings, dirs["etc"])
    conf = dirs["etc"] / "asterisk.conf"
    log = root / "console.log"
    try:
        with running_asterisk(conf, dirs["run"], log) as startup:
            yield Live(settings, conf, log, startup, trunk)
    finally:
        trunk.close()


# ---- a minimal AMI client (the project's own lives in callflow/; this one has no logic to test)

Message = dict[str, str]


class Ami:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.events: list[Message] = []
        self.responses: dict[str, Message] = {}
        self.changed = asyncio.Event()
        self.next_id = 0
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        buffer = b""
        while True:
            chunk = await self.reader.read(65536)
            if not chunk:
                return
            buffer += chunk
            while b"\r\n\r\n" in buffer:
                raw, buffer = buffer.split(b"\r\n\r\n", 1)
                msg: Message = {}
                for line in raw.decode("utf-8", "replace").split("\r\n"):
                    key, sep, value = line.partition(": ")
                    if sep:
                        msg.setdefault(key, value)
                if "Response" in msg and "ActionID" in msg:
                    self.responses[msg["ActionID"]] = msg
                elif "Event" in msg:
                    self.events.append(msg)
                self.changed.set()

    async def send(self, action: str, **fields: str | list[str]) -> Message:
        self.next_id += 1
        action_id = f"t{self.next_id}"
        lines = [f"Action: {action}", f"ActionID: {action_id}"]
        for key, value in fields.items():
            for v in value if isinstance(value, list) else [value]:
                lines.append(f"{key}: {v}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()
        await self.wait(lambda: self.responses.get(action_id))
        return self.responses[action_id]

    async def event(self, predicate: Callable[[Message], bool]) -> Message:
        found = await self.wait(lambda: next((e for e in self.events if predicate(e)), None))
        assert found is not None
        return found

    async def wait(self, probe: Callable[[], Message | None]) -> Message | None:
        async with asyncio.timeout(WAIT_S):
            while (value := probe()) is None:
                self.changed.clear()
                await self.changed.wait()
        return value

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


@pytest.fixture
async def manager(live: Live) -> AsyncIterator[Ami]:
    reader, writer = await asyncio.open_connection("127.0.0.1", live.settings.ami_port)
    banner = await reader.readline()
    assert banner.startswith(b"Asterisk Call Manager/")
    client = Ami(reader, writer)
    login = await client.send("Login", Username=live.settings.ami_user, Secret=live.settings.ami_secret)
    assert login["Response"] == "Success", login
    yield client
    await client.send("Hangup", Channel="/^Local\\//")
    await client.close()


@dataclass
class FastAgi:
    """Answers each AGI session with the given SET VARIABLE commands and records the environment."""

    variables: dict[str, str]
    sessions: list[dict[str, str]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        env: dict[str, str] = {}
        while line := (await reader.readline()).decode().strip():
            key, _, value = line.partition(": ")
            env[key] = value
        self.sessions.append(env)
        commands = [f"SET VARIABLE {k} {v}" for k, v in self.variables.items()]
        commands.append(f"GET VARIABLE {dialplan.VAR_TICKET}")
        for command in commands:
            writer.write((command + "\n").encode())
            await writer.drain()
            self.replies.append((await reader.readline()).decode().strip())
        writer.close()


@contextlib.asynccontextmanager
async def fastagi(port: int, variables: dict[str, str]) -> AsyncIterator[FastAgi]:
    agi = FastAgi(variables)
    server = await asyncio.start_server(agi.handle, "127.0.0.1", port)
    try:
        yield agi
    finally:
        server.close()
        await server.wait_closed()


async def call(manager: Ami, exten: str, context: str, variables: dict[str, str] | None = None) -> None:
    """A Local channel into the dialplan, as a citizen's call (or an Originate of the backend) would be."""
    extra = {"Variable": [f"{k}={v}" for k, v in (variables or {}).items()]} if variables else {}
    reply = await manager.send(
        "Originate", Channel=f"Local/{exten}@{context}", Application="Wait", Data="120", Async="true", **extra
    )
    assert reply["Response"] == "Success", reply


def joined(queue: str) -> Callable[[Message], bool]:
    return lambda e: e.get("Event") == "QueueCallerJoin" and e.get("Queue") == queue


# ---- the checks


def test_the_configuration_loads_without_warnings_or_errors(live: Live) -> None:
    bad = [line for line in live.startup_log.splitlines() if "WARNING[" in line or "ERROR[" in line]
    assert bad == []
    assert "Asterisk Ready" in live.startup_log or "fully booted" in live.cli("core waitfullybooted")


def test_cli_shows_every_context_queue_and_the_least_privilege_user(live: Live) -> None:
    plan = live.cli("dialplan show")
    for name in (getattr(dialplan, n) for n in dir(dialplan) if n.startswith("CTX_")):
        assert f"[ Context '{name}' created by 'pbx_config' ]" in plan
    queues = live.cli("queue show")
    for q in live.settings.queues:
        assert f"{q.name} has 0 calls" in queues
        assert f"within {live.settings.calls.service_level_s}s" in queues
    user = live.cli(f"manager show user {live.settings.ami_user}")
    assert f"read perm: {','.join(ami.read_classes())}" in user
    assert f"write perm: {'system,call,agent,reporting,originate'}" in user
    running = {
        line.split()[0].removesuffix(".so")
        for line in live.cli("module show").splitlines()
        if " Running " in line
    }
    assert {m.name for m in modules_for(live.settings)} <= running


async def test_every_action_of_the_backend_is_permitted(manager: Ami) -> None:
    probes: dict[str, dict[str, str]] = {
        "Events": {"EventMask": "on"},
        "Filter": {"Operation": "Add", "Filter": "Event: Queue.*"},
        "Ping": {},
        "QueueStatus": {},
        "QueueSummary": {},
        "CoreShowChannels": {},
        "Status": {},
        "QueueAdd": {
            "Queue": "q-general",
            "Interface": "PJSIP/1001",
            "MemberName": "坐席1001",
            "StateInterface": "PJSIP/1001",
            "Paused": "true",
        },
        "QueuePause": {"Interface": "PJSIP/1001", "Paused": "true", "Reason": "未在三声内应答"},
        "QueueRemove": {"Queue": "q-general", "Interface": "PJSIP/1001"},
        "Redirect": {
            "Channel": "PJSIP/none-1",
            "Context": dialplan.CTX_THREEWAY,
            "Exten": "s",
            "Priority": "1",
            "ExtraChannel": "PJSIP/none-2",
            "ExtraContext": dialplan.CTX_THREEWAY,
            "ExtraExten": "s",
            "ExtraPriority": "1",
        },
        "Bridge": {"Channel1": "PJSIP/none-1", "Channel2": "PJSIP/none-2", "Tone": "no"},
        "Originate": {
            "Channel": f"Local/{dialplan.EXT_START}@{dialplan.CTX_SEAT_LINE}",
            "Application": "Wait",
            "Data": "1",
            "Async": "true",
        },
        "Hangup": {"Channel": "PJSIP/none-1"},
        "Setvar": {"Variable": "HOTLINE_PROBE", "Value": "1"},
        "Getvar": {"Variable": "HOTLINE_PROBE"},
        "MixMonitor": {"Channel": "PJSIP/none-1", "File": "probe.wav"},
        "StopMixMonitor": {"Channel": "PJSIP/none-1"},
        "ConfbridgeList": {"Conference": "T1"},
        "ConfbridgeKick": {"Conference": "T1", "Channel": "all"},
    }
    assert set(probes) | {"Login"} == set(ami.BACKEND_ACTIONS)
    for action, fields in probes.items():
        reply = await manager.send(action, **fields)
        assert "Permission denied" not in reply.get("Message", ""), (action, reply)
    # Resync (DESIGN.md) reads list responses: they come whatever the read classes are.
    for listed in (
        "QueueParams",
        "QueueStatusComplete",
        "QueueSummaryComplete",
        "CoreShowChannelsComplete",
        "StatusComplete",
    ):
        await manager.event(lambda e, name=listed: e.get("Event") == name)
    # The same user may not do what the backend never does.
    denied = await manager.send("Command", Command="core show version")
    assert denied["Message"] == "Permission denied"


async def test_with_the_ivr_down_the_citizen_goes_to_the_numbers_queue(live: Live, manager: Ami) -> None:
    # Nothing listens on the FastAGI port: AGISTATUS=FAILURE, and the call must still queue.
    await call(manager, "12315", dialplan.CTX_INBOUND)
    event = await manager.event(joined(live.settings.dids["12315"]))
    assert event["Context"] == dialplan.CTX_INBOUND and event["Exten"] == "12315"
    statuses = [e["Value"] for e in manager.events if e.get("Variable") == "AGISTATUS"]
    # FastAGI failed, then the local fail-safe (classic AGI) chose the number's queue.
    assert statuses == ["FAILURE", "SUCCESS"]
    chosen = [e["Value"] for e in manager.events if e.get("Variable") == dialplan.VAR_QUEUE]
    assert chosen == [live.settings.dids["12315"]]


async def test_the_ivr_result_picks_the_queue_priority_and_recording(live: Live, manager: Ami) -> None:
    variables = {dialplan.VAR_QUEUE: "q-dialect", dialplan.VAR_PRIORITY: "5"}
    async with fastagi(live.settings.agi_port, variables) as agi:
        await call(manager, "12345", dialplan.CTX_INBOUND)
        await manager.event(joined("q-dialect"))
    assert agi.sessions[0]["agi_network_script"] == dialplan.AGI_INTAKE
    assert agi.sessions[0]["agi_extension"] == "12345"
    assert all(reply.startswith("200 result=") for reply in agi.replies), agi.replies
    prio = await manager.event(lambda e: e.get("Variable") == "QUEUE_PRIO")
    assert prio["Value"] == "5"
    rec = await manager.event(lambda e: e.get("Variable") == "MIXMONITOR_FILENAME")
    assert rec["Value"].startswith(live.settings.asterisk_recordings_dir + "/")
    assert rec["Value"].endswith(".wav")


async def test_emergency_tries_both_routes_then_a_seat_takes_the_call(live: Live, manager: Ami) -> None:
    assert live.trunk is not None
    before = len(live.trunk.invites)
    variables = {dialplan.VAR_ACTION: "emergency", dialplan.VAR_TARGET: "119"}
    async with fastagi(live.settings.agi_port, variables):
        await call(manager, "12345", dialplan.CTX_INBOUND)
        await manager.event(joined(live.settings.priority_queue))
    dialled = live.trunk.invites[before:]
    # DOMAIN.md §3: the primary route, then the alternative, both answered 486 by the trunk.
    assert [uri.split("@")[0] for uri in dialled] == ["sip:119", "sip:119"]
    statuses = [e["Value"] for e in manager.events if e.get("Variable") == "DIALSTATUS" and e["Value"]]
    assert statuses[-2:] == ["BUSY", "BUSY"]


async def test_three_way_context_puts_the_channel_in_the_conference(manager: Ami) -> None:
    await call(manager, dialplan.EXT_START, dialplan.CTX_THREEWAY, {dialplan.VAR_CONF: "T1"})
    event = await manager.event(lambda e: e.get("Event") == "ConfbridgeJoin")
    assert event["Conference"] == "T1"


async def test_survey_context_runs_the_survey_agi_with_the_ticket(live: Live, manager: Ami) -> None:
    async with fastagi(live.settings.agi_port, {}) as agi:
        await call(manager, dialplan.EXT_START, dialplan.CTX_SURVEY, {dialplan.VAR_TICKET: "GD2026000001"})
        await manager.event(lambda e: e.get("Variable") == "AGISTATUS" and e.get("Value") == "SUCCESS")
    assert agi.sessions[0]["agi_network_script"] == dialplan.AGI_SURVEY
    assert agi.replies[-1] == "200 result=1 (GD2026000001)"


# ---- real SIP calls: a second Asterisk plays the carrier and seat 1001's phone (as in the captures)

PEER_MODULES = (
    "res_pjproject",
    "res_sorcery_config",
    "res_sorcery_memory",
    "res_sorcery_astdb",
    "res_pjsip",
    "res_pjsip_session",
    "res_pjsip_pubsub",
    "chan_pjsip",
    "res_pjsip_sdp_rtp",
    "res_rtp_asterisk",
    "res_pjsip_outbound_registration",
    "res_pjsip_outbound_authenticator_digest",
    "res_pjsip_endpoint_identifier_ip",
    "pbx_config",
    "codec_ulaw",
    "res_timing_timerfd",
    "bridge_simple",
    "bridge_native_rtp",
    "app_playback",
    "format_wav",
)


def peer_files(
    dirs: dict[str, Path], hotline: Settings, trunk_port: int, seat_port: int, ami_port: int
) -> dict[str, str]:
    d = directories(dirs)
    seat = hotline.softswitch.seats[0]
    sip = hotline.softswitch.sip_port
    return {
        "asterisk.conf": "[directories]\n"
        + "".join(
            f"{key} = {d[name]}\n"
            for key, name in (
                ("astetcdir", "etc"),
                ("astmoddir", "modules"),
                ("astvarlibdir", "var_lib"),
                ("astdbdir", "var_lib"),
                ("astdatadir", "data"),
                ("astspooldir", "spool"),
                ("astrundir", "run"),
                ("astlogdir", "log"),
            )
        ),
        "modules.conf": "[modules]\nautoload = no\n" + "".join(f"load = {m}.so\n" for m in PEER_MODULES),
        "logger.conf": "[logfiles]\nconsole => notice,warning,error,verbose\n",
        "rtp.conf": "[general]\nrtpstart = 32000\nrtpend = 32999\n",
        "manager.conf": (
            f"[general]\nenabled = yes\nport = {ami_port}\nbindaddr = 127.0.0.1\n\n"
            "[peer]\nsecret = peer-secret\nread = call\nwrite = originate\n"
        ),
        # The seat's phone answers and speaks (a 1 s tone, twice), then hangs up.
        "extensions.conf": (
            f"[peer-in]\nexten => {seat.extension},1,Answer()\n"
            f" same => n,Playback({d['data']}/moh/tone)\n same => n,Playback({d['data']}/moh/tone)\n"
            " same => n,Hangup()\n"
        ),
        "pjsip.conf": f"""
[transport-trunk]
type = transport
protocol = udp
bind = 127.0.0.1:{trunk_port}

[transport-seat]
type = transport
protocol = udp
bind = 127.0.0.1:{seat_port}

[hotline]
type = endpoint
context = peer-in
disallow = all
allow = ulaw
aors = hotline
transport = transport-trunk
direct_media = no

[hotline]
type = aor
contact = sip:127.0.0.1:{sip}

[hotline]
type = identify
endpoint = hotline
match = 127.0.0.1

[seat-auth]
type = auth
auth_type = userpass
username = {seat.extension}
password = {seat.password}

[seat-reg]
type = registration
transport = transport-seat
outbound_auth = seat-auth
server_uri = sip:127.0.0.1:{sip}
client_uri = sip:{seat.extension}@127.0.0.1:{sip}
contact_user = {seat.extension}
retry_interval = 2
expiration = 120
""",
    }


@dataclass
class SipLive:
    hotline: Live
    peer_conf: Path
    peer_ami_port: int


@pytest.fixture(scope="module")
def sip_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SipLive]:
    root = tmp_path_factory.mktemp("sip")
    trunk_port, seat_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    dirs = asterisk_dirs(root / "hotline")
    settings = hotline_settings(root, dirs, trunk_port)
    render_to_dir(settings, dirs["etc"])
    peer_dirs = asterisk_dirs(root / "peer")
    peer_ami_port = free_port()
    for name, text in peer_files(peer_dirs, settings, trunk_port, seat_port, peer_ami_port).items():
        (peer_dirs["etc"] / name).write_text(text, encoding="utf-8")
    conf, peer_conf = dirs["etc"] / "asterisk.conf", peer_dirs["etc"] / "asterisk.conf"
    with (
        running_asterisk(conf, dirs["run"], root / "hotline.log") as startup,
        running_asterisk(peer_conf, peer_dirs["run"], root / "peer.log"),
    ):
        # The peer is the trunk here, not the BusyTrunk of the other tests.
        yield SipLive(Live(settings, conf, root / "hotline.log", startup, None), peer_conf, peer_ami_port)


async def citizen_calls(peer_ami_port: int, number: str) -> None:
    """The peer places a citizen's call to `number` over the trunk (AMI Originate on the peer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", peer_ami_port)
    await reader.readline()
    peer = Ami(reader, writer)
    try:
        assert (await peer.send("Login", Username="peer", Secret="peer-secret"))["Response"] == "Success"
        reply = await peer.send(
            "Originate",
            Channel=f"PJSIP/{number}@hotline",
            Application="Wait",
            Data="20",
            Async="true",
            CallerID='"市民" <13800000001>',
        )
        assert reply["Response"] == "Success", reply
    finally:
        await peer.close()


def poll_cli(live: Live, command: str, wanted: str) -> str:
    """Polls a CLI command until its output contains `wanted` (registration, device state)."""
    output = ""
    for _ in range(int(WAIT_S * 4)):
        output = live.cli(command)
        if wanted in output:
            return output
        threading.Event().wait(0.25)
    pytest.fail(f"`{command}` never showed {wanted!r}:\n{output}")


async def test_a_citizen_over_the_trunk_reaches_a_registered_seat_and_is_recorded(sip_live: SipLive) -> None:
    live = sip_live.hotline
    seat = live.settings.softswitch.seats[0]
    # The seat's phone registered with its extension and password (digest auth), from another
    # port of the same host as the trunk: identification by address *and port* keeps them apart.
    await asyncio.to_thread(
        poll_cli, live, f"pjsip show aor {seat.extension}", f"sip:{seat.extension}@127.0.0.1"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", live.settings.ami_port)
    await reader.readline()
    ami_client = Ami(reader, writer)
    try:
        login = await ami_client.send(
            "Login", Username=live.settings.ami_user, Secret=live.settings.ami_secret
        )
        assert login["Response"] == "Success"
        added = await ami_client.send(
            "QueueAdd",
            Queue="q-general",
            Interface=f"PJSIP/{seat.extension}",
            MemberName=f"坐席{seat.extension}",
            StateInterface=f"PJSIP/{seat.extension}",
            Paused="false",
        )
        assert added["Response"] == "Success", added
        await asyncio.to_thread(poll_cli, live, "queue show q-general", "(Not in use)")
        async with fastagi(live.settings.agi_port, {dialplan.VAR_QUEUE: "q-general"}):
            await citizen_calls(sip_live.peer_ami_port, "12345")
            connect = await ami_client.event(lambda e: e.get("Event") == "AgentConnect")
        # The citizen arrived on the trunk endpoint, the seat's phone answered the queue call.
        assert connect["Channel"].startswith(f"PJSIP/{dialplan.TRUNK_ENDPOINT}-")
        assert connect["Queue"] == "q-general"
        assert connect["DestChannel"].startswith(f"PJSIP/{seat.extension}-")
        await ami_client.event(lambda e: e.get("Event") == "AgentComplete")
        # The seat hung up: the citizen's leg ends too, and MixMonitor closes the recording.
        await ami_client.event(
            lambda e: e.get("Event") == "Hangup" and e.get("Channel") == connect["Channel"]
        )
        recording = await ami_client.event(lambda e: e.get("Variable") == "MIXMONITOR_FILENAME")
        frames = 0
        for _ in range(int(WAIT_S * 4)):  # the WAV header is written when the file is closed
            with (
                contextlib.suppress(OSError, EOFError, wave.Error),
                wave.open(recording["Value"], "rb") as rec,
            ):
                assert rec.getframerate() == 8000
                frames = rec.getnframes()
            if frames:
                break
            await asyncio.sleep(0.25)
        assert frames > 8000  # the seat spoke for 2 s: more than one second of bridged audio
    finally:
        await ami_client.send("QueueRemove", Queue="q-general", Interface=f"PJSIP/{seat.extension}")
        await ami_client.close()

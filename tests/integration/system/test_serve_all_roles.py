"""`hotline serve` as an operator runs it: one process, all four roles, real sockets.

The softswitch is the AMI replay double (answered_call); the test plays Asterisk's FastAGI side
itself. It checks that the roles really compose: the web app answers, the IVR sets the queue,
the AMI role turns the replayed call into a call record, the worker writes it to the database,
and the process stops cleanly on SIGINT.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REDIS_URL
from tests.doubles.ami_server import AmiReplayServer

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def agi_reply(command: str) -> bytes:
    verb = command.split(" ", 2)
    head = " ".join(verb[:2]).upper()
    if head.startswith("GET VARIABLE"):
        return b"200 result=1 (13800000001)\n"
    if head.startswith("STREAM FILE"):
        return b"200 result=0 endpos=8000\n"
    if head.startswith("GET DATA"):
        return b"200 result= (timeout)\n"
    if head.startswith("RECORD FILE"):
        return b"200 result=0 (timeout) endpos=8000\n"
    return b"200 result=1\n"


async def wait_listening(port: int, proc: asyncio.subprocess.Process, log: bytearray) -> None:
    """Polls until the port accepts a connection: the roles start concurrently, so the web role
    answering says nothing about the FastAGI listener. A probe that closes before sending an
    environment block starts no AGI session."""
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert proc.returncode is None, log.decode(errors="replace")
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return
    pytest.fail(f"nothing listens on port {port}:\n" + log.decode(errors="replace"))


async def play_agi_session(port: int, env_block: str) -> list[str]:
    """Acts as Asterisk's AGI() for one call; returns the commands the IVR sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(env_block.encode())
    await writer.drain()
    commands: list[str] = []
    while True:
        line = await asyncio.wait_for(reader.readline(), 30)
        if not line:
            break
        command = line.decode().strip()
        commands.append(command)
        writer.write(agi_reply(command))
        await writer.drain()
    writer.close()
    return commands


@pytest.fixture
async def ami(captures: Path) -> AsyncIterator[AmiReplayServer]:
    async with AmiReplayServer(captures / "answered_call", speed=0) as server:
        yield server


async def test_all_roles_in_one_process(
    ami: AmiReplayServer, captures: Path, tmp_path: Path, redis_prefix: str
) -> None:
    http_port, agi_port = free_port(), free_port()
    db_file = tmp_path / "hotline.db"
    env = {
        **os.environ,
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_DATABASE_URL": f"sqlite:///{db_file}",
        "HOTLINE_REDIS_URL": REDIS_URL,
        "HOTLINE_REDIS_PREFIX": redis_prefix,
        "HOTLINE_HTTP_PORT": str(http_port),
        "HOTLINE_AGI_PORT": str(agi_port),
        "HOTLINE_AMI_HOST": "127.0.0.1",
        "HOTLINE_AMI_PORT": str(ami.port),
        "HOTLINE_RECORDINGS_DIR": str(tmp_path / "recordings"),
        "HOTLINE_PROMPTS_DIR": str(tmp_path / "prompts"),
    }
    seed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hotline.cli", "db", "seed-demo", env=env
    )
    assert await seed.wait() == 0

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hotline.cli",
        "serve",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    log = bytearray()

    async def collect() -> None:
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(65536):
            log.extend(chunk)

    collector = asyncio.create_task(collect())
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as http:
            for _ in range(300):
                try:
                    if (await http.get("/desk")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.returncode is None, log.decode(errors="replace")
                await asyncio.sleep(0.1)
            else:
                pytest.fail("web role did not answer:\n" + log.decode(errors="replace"))
            login = await http.post("/api/auth/login", json={"username": "seat1001", "password": "demo12345"})
            assert login.status_code == 200, login.text

        env_block = json.loads((captures / "answered_call" / "agi-1.jsonl").read_text().splitlines()[0])[
            "raw"
        ]
        env_block = env_block.replace("127.0.0.1:4573", f"127.0.0.1:{agi_port}")
        await wait_listening(agi_port, proc, log)
        commands = await play_agi_session(agi_port, env_block)
        assert any(c.startswith("SET VARIABLE HOTLINE_QUEUE q-") for c in commands), commands

        # The AMI role saw the replayed call end; the worker wrote its record.
        for _ in range(300):
            if db_file.exists():
                with sqlite3.connect(db_file) as conn:
                    rows = conn.execute("SELECT linkedid, outcome, seat FROM call_links").fetchall()
                if rows:
                    break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("no call record reached the database:\n" + log.decode(errors="replace"))
        assert rows == [("1795326409.0", "answered", "1001")]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                pytest.fail("hotline serve did not stop on SIGINT:\n" + log.decode(errors="replace"))
        await collector
    assert proc.returncode == 0, log.decode(errors="replace")

"""Ticket throughput through the REST API: tickets created + dispatched per second, and latency.

`python -m bench tickets [--seconds 3] [--concurrency 8] [--backends sqlite,postgres]`

For each backend the server (`agent_desk.app.create_app` under uvicorn) runs in its own process on
loopback with a fresh, migrated and seeded database; this process logs in as a seat and runs
`--concurrency` clients, each looping `POST /api/tickets` then `POST /api/tickets/{no}/dispatch`
for `--seconds`. Printed: completed create+dispatch pairs per second and latency percentiles of the
pair and of each request. PostgreSQL is skipped (with a note) when the server does not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

POSTGRES_ADMIN_URL = os.environ.get(
    "HOTLINE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
INTAKE = {
    "channel": "phone",
    "type": "求助",
    "category_code": "urban.streetlight",
    "content": "小区门口路灯不亮已经三天",
    "citizen_name": "张三",
    "citizen_phone": "13812345678",
}


def _serve() -> None:
    """Server process: settings from HOTLINE_* variables, like `hotline serve --role web`."""
    import uvicorn

    from agent_desk.app import create_app
    from core.settings import Settings

    settings = Settings()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=settings.http_port, log_level="warning")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@contextlib.contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str | None]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        print(f"postgres: skipped, server not reachable ({type(exc).__name__})")
        admin.dispose()
        yield None
        return
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Figures:
    pairs: list[float] = field(default_factory=list)
    creates: list[float] = field(default_factory=list)
    dispatches: list[float] = field(default_factory=list)
    errors: int = 0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def _load(base: str, seconds: float, concurrency: int) -> tuple[Figures, float]:
    figures = Figures()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        r = await client.post("/api/auth/login", json={"username": "seat1001", "password": "demo12345"})
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        started = time.perf_counter()
        end = started + seconds

        async def worker() -> None:
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                created = await client.post("/api/tickets", json=INTAKE, headers=headers)
                t1 = time.perf_counter()
                if created.status_code != 201:
                    figures.errors += 1
                    continue
                no = created.json()["ticket_no"]
                dispatched = await client.post(
                    f"/api/tickets/{no}/dispatch", json={"lead_unit_code": "dept-urban"}, headers=headers
                )
                t2 = time.perf_counter()
                if dispatched.status_code != 200:
                    figures.errors += 1
                    continue
                figures.creates.append(t1 - t0)
                figures.dispatches.append(t2 - t1)
                figures.pairs.append(t2 - t0)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return figures, time.perf_counter() - started


def _run_backend(backend: str, seconds: float, concurrency: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-tickets-") as tmp, _database(backend, Path(tmp)) as url:
        if url is None:
            return 0
        from core.settings import Settings
        from tickets.migrate import seed_demo, upgrade

        upgrade(url)
        seed_demo(Settings(database_url=url, data_dir=Path(tmp)))
        port = _free_port()
        env = {
            **os.environ,
            "HOTLINE_DATABASE_URL": url,
            "HOTLINE_HTTP_PORT": str(port),
            "HOTLINE_DATA_DIR": tmp,
            "HOTLINE_MODE": "dev",
        }
        server = subprocess.Popen(
            [sys.executable, "-c", "from bench.tickets import _serve; _serve()"], env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            if not _wait_ready(base, server):
                print(f"{backend}: server did not start", file=sys.stderr)
                return 1
            figures, elapsed = asyncio.run(_load(base, seconds, concurrency))
        finally:
            server.terminate()
            server.wait(timeout=10)
    n = len(figures.pairs)
    print(
        f"{backend:8s} {n / elapsed:7.1f} tickets created+dispatched/s  ({n} in {elapsed:.1f} s, "
        f"{concurrency} clients, {figures.errors} errors)"
    )
    series = {"pair": figures.pairs, "create": figures.creates, "dispatch": figures.dispatches}
    for label, values in series.items():
        print(f"{'':8s} {label:8s} p50 {_pct(values, 0.5):6.1f} ms  p99 {_pct(values, 0.99):6.1f} ms")
    return 1 if figures.errors else 0


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return True
        time.sleep(0.1)
    return False


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench tickets", description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--backends", default="sqlite,postgres")
    args = p.parse_args(argv)
    status = 0
    for backend in args.backends.split(","):
        if backend not in ("sqlite", "postgres"):
            print(f"unknown backend {backend!r}", file=sys.stderr)
            return 2
        status |= _run_backend(backend, args.seconds, args.concurrency)
    return status

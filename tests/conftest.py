"""Shared fixtures: real Redis, real PostgreSQL and SQLite, the recorded Asterisk captures.

Every test gets its own Redis key prefix and its own database tables, so test runs (and several
developers on one machine) never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import create_engine, text

from core.settings import Settings

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_ADMIN_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# The recorded Asterisk 22 captures are the repository's own test data (tests/data/captures/README.md).
CAPTURES = REPO / "tests" / "data" / "captures"


def shared_dir() -> Path:
    """../shared beside the clone: only what may not be copied into the repository (the data set)."""
    return Path(os.environ.get("HOTLINE_SHARED_DIR", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def captures() -> Path:
    if not (CAPTURES / "answered_call" / "ami.jsonl").is_file():
        pytest.fail(f"the recorded captures are missing from the repository at {CAPTURES}")
    return CAPTURES


@pytest.fixture(scope="session")
def teddy_dataset() -> Path:
    """The labelled 泰迪杯 messages: no license to copy them, so they stay in ../shared/datasets."""
    path = shared_dir() / "datasets" / "teddy2020c"
    if not path.is_dir():
        pytest.skip(f"the labelled data set is not beside the clone at {path} (HOTLINE_SHARED_DIR)")
    return path


@pytest.fixture
def redis_prefix() -> str:
    return f"test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis(redis_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        pytest.fail(f"Redis does not answer at {REDIS_URL} (scripts/services starts one): {exc}")
    yield client
    async for key in client.scan_iter(match=f"{redis_prefix}*", count=500):
        await client.delete(key)
    await client.aclose()


@pytest.fixture
def settings(tmp_path: Path, redis_prefix: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'hotline.db'}",
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix,
        recordings_dir=tmp_path / "recordings",
        prompts_dir=tmp_path / "prompts",
    )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test process, dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and does not answer: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    name = f"hotline_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tickets.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url

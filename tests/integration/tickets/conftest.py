from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.settings import Settings
from tests.integration.tickets.helpers import Journey, isolated_url, seeded
from tickets.db import Database


@pytest.fixture
def tickets_url(db_url: str) -> Iterator[str]:
    with isolated_url(db_url) as url:
        yield url


@pytest.fixture
def seeded_settings(settings: Settings, tickets_url: str) -> Settings:
    return seeded(settings, tickets_url)


@pytest.fixture
def db(seeded_settings: Settings) -> Iterator[Database]:
    database = Database(seeded_settings.database_url, pool_size=4)
    yield database
    database.dispose()


@pytest.fixture
def journey(db: Database, seeded_settings: Settings) -> Journey:
    return Journey(db, seeded_settings)

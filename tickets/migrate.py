"""Schema migrations (Alembic, shipped inside the package) and the demo city's seed data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from hotline.settings import Settings
from tickets.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same for every process migrating one database.
_PG_LOCK_KEY = 12345_0002


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(database_url: str) -> None:
    """`alembic upgrade head`, safe when several processes start at once."""
    engine = make_engine(normalise_url(database_url), pool_size=1)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()


def seed_demo(settings: Settings) -> None:
    """Idempotent: units in three tiers, the category tree, demo users and KB articles."""
    from tickets.demo import seed

    seed(settings)

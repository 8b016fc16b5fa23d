"""Schema migrations (Alembic, shipped inside the package) and the demo city's seed data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from core.settings import Settings
from tickets.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same for every process migrating one database.
_PG_LOCK_KEY = 12345_0002


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """`alembic upgrade head` (or up to `revision`), safe when several processes start at once."""
    engine = make_engine(normalise_url(database_url), pool_size=1)
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # A batch migration rebuilds a table other tables reference: with foreign keys
                # enforced, dropping the old copy fails. The pragma only works outside a
                # transaction; the check below proves the rebuilt tables still hold together.
                _sqlite_pragma(conn, "foreign_keys=OFF")
            try:
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                    cfg = alembic_config()
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, revision)
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")
            finally:
                if sqlite:
                    _sqlite_pragma(conn, "foreign_keys=ON")
    finally:
        engine.dispose()


def _sqlite_pragma(conn: Connection, pragma: str) -> None:
    # On the driver's connection: through SQLAlchemy it would open a transaction first.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def seed_demo(settings: Settings) -> None:
    """Idempotent: units in three tiers, the category tree, demo users and KB articles."""
    from tickets.demo import seed

    seed(settings)

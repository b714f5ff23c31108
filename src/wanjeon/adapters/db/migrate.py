"""Schema migrations, run from Python with the scripts shipped inside the package.

No ``alembic.ini`` is needed: ``upgrade(url)`` points Alembic at
``wanjeon/adapters/db/migrations`` and hands it a connection from ``make_engine``.
Several replicas may start at once: the upgrade runs under a lock (an advisory lock
on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so exactly one of them migrates and
the others find the schema current.

To add a revision, change ``tables.py``, call ``revision(url, message)`` against a
database at head (it autogenerates from ``tables.metadata``), then check the file
by hand; the migration test proves head equals the metadata.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from wanjeon.adapters.db.engine import SQLITE_BEGIN, make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key for "wanjeon schema migration" (any constant unique to wanjeon).
_MIGRATION_LOCK = 0x77616E6A_656F6E01


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (the newest by default)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                command.upgrade(_config(connection), revision)
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at, or None for a database never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def revision(url: str, message: str) -> None:
    """Autogenerate a new revision file from the difference between ``url`` and ``tables.metadata``."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.revision(_config(connection), message=message, autogenerate=True)
    finally:
        engine.dispose()

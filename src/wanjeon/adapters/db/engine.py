"""Engines with the options wanjeon relies on, for SQLite and PostgreSQL.

SQLite: WAL (readers never block the writer), foreign keys enforced, a 5 s busy
timeout, usable from the API's thread pool, and SQLAlchemy in charge of ``BEGIN``
so that transactions, savepoints and ``BEGIN IMMEDIATE`` behave as documented
(pysqlite's own transaction handling does not). A connection opened with the
execution option ``sqlite_begin="IMMEDIATE"`` takes the write lock when it begins,
which is how the audit log and ``get(for_update=True)`` serialise writers.

Both keep ``pool_size`` connections open: opening a connection (and, for SQLite, setting
its pragmas) costs more than the query a request makes, so a pool smaller than the
requests a worker serves at once turns every busy moment into reconnects. As many again
may open in a burst, and close when returned.

PostgreSQL: ``pool_pre_ping`` so that a restarted server costs one retry, not errors.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

SQLITE_BEGIN = "sqlite_begin"
"""Execution option: ``"IMMEDIATE"`` or ``"EXCLUSIVE"`` makes SQLite's BEGIN take the write lock."""

_BEGIN_MODES = {"DEFERRED", "IMMEDIATE", "EXCLUSIVE"}


def _dumps(value: Any) -> str:
    # Korean text stays readable in the database instead of \uXXXX escapes.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str, *, pool_size: int = 16, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://…``); extra kwargs pass through."""
    parsed = make_url(url)
    kwargs.setdefault("json_serializer", _dumps)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if not in_memory:  # an in-memory SQLite database lives in its one connection (SingletonThreadPool)
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", pool_size)
    if parsed.get_backend_name() == "sqlite":
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 5.0)
        engine = sa.create_engine(parsed, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine, in_memory=in_memory)
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(parsed, **kwargs)
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}")


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see _on_begin), then set per-connection pragmas.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = str(connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")).upper()
        if mode not in _BEGIN_MODES:
            raise ValueError(f"{SQLITE_BEGIN} must be one of {sorted(_BEGIN_MODES)}, got {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")

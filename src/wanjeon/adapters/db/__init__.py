"""Storage adapters for the ``consultation.ports`` unit of work: SQL (SQLite, PostgreSQL) and in-memory.

- ``make_engine(url)`` and ``SqlUnitOfWork(make_session_factory(engine))`` for the service;
- ``upgrade(url)`` / ``current(url)`` run the Alembic migrations shipped in ``migrations/``;
- ``MemoryUnitOfWork(MemoryStore())`` is the fake that keeps the same contract, for unit tests;
- ``SqlAuditLog(engine)`` is the hash-chained audit log on the same database.

Names are imported on first use, so that the in-memory fake does not load SQLAlchemy or
Alembic (unit tests stay fast) and nothing heavy happens at import time.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wanjeon.adapters.db.audit import SqlAuditLog
    from wanjeon.adapters.db.engine import make_engine
    from wanjeon.adapters.db.memory import MemoryStore, MemoryUnitOfWork
    from wanjeon.adapters.db.migrate import current, upgrade
    from wanjeon.adapters.db.unit_of_work import SqlUnitOfWork, make_session_factory

_WHERE = {
    "MemoryStore": "memory",
    "MemoryUnitOfWork": "memory",
    "SqlAuditLog": "audit",
    "SqlUnitOfWork": "unit_of_work",
    "current": "migrate",
    "make_engine": "engine",
    "make_session_factory": "unit_of_work",
    "upgrade": "migrate",
}

__all__ = [
    "MemoryStore",
    "MemoryUnitOfWork",
    "SqlAuditLog",
    "SqlUnitOfWork",
    "current",
    "make_engine",
    "make_session_factory",
    "upgrade",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)

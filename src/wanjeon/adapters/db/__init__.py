"""Storage adapters for the ``consultation.ports`` unit of work: SQL (SQLite, PostgreSQL) and in-memory.

- ``make_engine(url)`` and ``SqlUnitOfWork(make_session_factory(engine))`` for the service;
- ``upgrade(url)`` / ``current(url)`` run the Alembic migrations shipped in ``migrations/``;
- ``MemoryUnitOfWork(MemoryStore())`` is the fake that keeps the same contract, for unit tests;
- ``SqlAuditLog(engine)`` (``audit.py``) is the hash-chained audit log on the same database.
"""

from __future__ import annotations

from wanjeon.adapters.db.audit import SqlAuditLog
from wanjeon.adapters.db.engine import make_engine
from wanjeon.adapters.db.memory import MemoryStore, MemoryUnitOfWork
from wanjeon.adapters.db.migrate import current, upgrade
from wanjeon.adapters.db.unit_of_work import SqlUnitOfWork, make_session_factory

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

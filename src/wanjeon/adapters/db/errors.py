"""Recognising the few database errors that mean something to the domain.

Drivers report them differently (psycopg by SQLSTATE, sqlite3 by extended result
code), so the repositories ask these predicates instead of matching messages.
Anything not recognised here propagates unchanged: it is a defect, not a conflict.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError

from wanjeon.consultation.ports import ConcurrentUpdate
from wanjeon.errors import EngineError

# sqlite3 extended result codes (https://www.sqlite.org/rescode.html).
_SQLITE_UNIQUE = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
_SQLITE_FOREIGN_KEY = 787  # SQLITE_CONSTRAINT_FOREIGNKEY
_SQLITE_BUSY = {5, 517}  # SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT
# PostgreSQL SQLSTATEs.
_PG_UNIQUE = "23505"
_PG_FOREIGN_KEY = "23503"
_PG_RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def _codes(exc: DBAPIError) -> tuple[int | None, str | None]:
    orig = exc.orig
    return getattr(orig, "sqlite_errorcode", None), getattr(orig, "sqlstate", None)


def is_unique_violation(exc: IntegrityError) -> bool:
    sqlite, sqlstate = _codes(exc)
    return sqlite in _SQLITE_UNIQUE or sqlstate == _PG_UNIQUE


def is_foreign_key_violation(exc: IntegrityError) -> bool:
    sqlite, sqlstate = _codes(exc)
    return sqlite == _SQLITE_FOREIGN_KEY or sqlstate == _PG_FOREIGN_KEY


def is_write_conflict(exc: DBAPIError) -> bool:
    """A transient clash with another writer: retrying the whole unit of work can succeed.

    On SQLite a transaction that read before another one committed cannot write any more
    (``SQLITE_BUSY_SNAPSHOT``), and a writer that waited out the busy timeout gets
    ``SQLITE_BUSY``; on PostgreSQL, serialization failures and deadlocks.
    """
    sqlite, sqlstate = _codes(exc)
    return sqlite in _SQLITE_BUSY or sqlstate in _PG_RETRYABLE


@contextmanager
def conflicts_as_concurrent_update(what: str) -> Iterator[None]:
    """Turn a transient writer clash into ``ConcurrentUpdate`` (HTTP 409, retry)."""
    try:
        yield
    except DBAPIError as exc:
        if is_write_conflict(exc):
            raise ConcurrentUpdate(f"{what}: another writer got there first; retry") from exc
        raise


def missing_reference(what: str, exc: IntegrityError) -> EngineError:
    """A row that refers to something absent: the caller should have checked first."""
    return EngineError(f"{what} refers to a row that does not exist ({exc.orig})")

"""The SQL unit of work: one session, one transaction, repositories bound to it.

Use one ``SqlUnitOfWork`` per request or job (an instance is not shared between
threads); each ``with`` block opens a fresh session. Nothing is visible to others
until ``commit()``; leaving the block without it rolls back, exceptions included.

A reading unit of work (``readonly=True``, sessions from ``make_session_factory(engine,
reading=True)``) refuses to write or commit. On PostgreSQL its statements run in autocommit, each
on the latest committed state: no ``BEGIN`` and ``ROLLBACK`` round trips around a read,
which cost as much as the read itself. SQLite's transactions are in-process and cheap,
so there it reads in an ordinary transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from wanjeon.adapters.db.audit import SqlAuditRecorder, chain_pending
from wanjeon.adapters.db.consultations import SqlConsultationRepository
from wanjeon.adapters.db.engine import make_engine
from wanjeon.adapters.db.errors import conflicts_as_concurrent_update
from wanjeon.adapters.db.repositories import (
    SqlAccountRepository,
    SqlCustomerRepository,
    SqlIdempotencyRepository,
    SqlProductRepository,
    SqlRulebookRepository,
    SqlVerificationRepository,
)
from wanjeon.consultation.ports import (
    AccountRepository,
    AuditRecorder,
    ConsultationRepository,
    CustomerRepository,
    IdempotencyRepository,
    ProductRepository,
    RulebookRepository,
    UnitOfWork,
    VerificationRepository,
)

__all__ = ["SqlUnitOfWork", "make_engine", "make_session_factory"]

logger = logging.getLogger("wanjeon.db")


def make_session_factory(engine: Engine, *, reading: bool = False) -> sessionmaker[Session]:
    """Sessions for Core statements; nothing is ORM-mapped, so nothing needs expiring.

    ``reading``: sessions for reading units of work (autocommit on PostgreSQL)."""
    if reading:
        options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
        engine = engine.execution_options(**options)  # its own events, sharing the pool
        event.listen(engine, "before_cursor_execute", _refuse_writes)
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


_READING = ("SELECT", "BEGIN DEFERRED", "ROLLBACK")  # SQLite reads in a transaction of its own


def _refuse_writes(_conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    """In autocommit a write would be stored at once, commit or not: refuse it outright
    (and a lock, which only a write needs)."""
    if not statement.lstrip()[:16].upper().startswith(_READING):
        raise RuntimeError(f"a reading unit of work does not write ({statement.split(None, 1)[0]})")


class SqlUnitOfWork:
    products: ProductRepository
    customers: CustomerRepository
    consultations: ConsultationRepository
    verifications: VerificationRepository
    rulebooks: RulebookRepository
    accounts: AccountRepository
    idempotency: IdempotencyRepository
    audit: AuditRecorder

    def __init__(self, session_factory: Callable[[], Session], *, readonly: bool = False) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._readonly = readonly

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open; use one instance per block")
        session = self._session = self._session_factory()
        self.products = SqlProductRepository(session)
        self.customers = SqlCustomerRepository(session)
        self.consultations = SqlConsultationRepository(session)
        self.verifications = SqlVerificationRepository(session)
        self.rulebooks = SqlRulebookRepository(session)
        self.accounts = SqlAccountRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        self.audit = self._audit = SqlAuditRecorder()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                session.rollback()
            finally:
                session.close()

    def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("a reading unit of work cannot commit; open one with Services.uow")
        session = self._open()
        with conflicts_as_concurrent_update("commit"):
            connection = session.connection()
            chain_after = self._audit.flush(connection)  # last: SQLite's chaining holds its lock to commit
            session.commit()
        if chain_after:
            try:
                chain_pending(connection.engine, wait=False)
            except Exception:  # committed already: the entries wait in audit_pending for the next chaining
                logger.warning("audit entries left waiting to be chained", exc_info=True)

    def rollback(self) -> None:
        session = self._open()
        self._audit.discard()
        session.rollback()

    def _open(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a with block")
        return self._session


if TYPE_CHECKING:  # the adapter keeps the port's shape; mypy checks it here
    _conforms: UnitOfWork = SqlUnitOfWork(sessionmaker())

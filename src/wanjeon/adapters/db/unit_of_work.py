"""The SQL unit of work: one session, one transaction, repositories bound to it.

Use one ``SqlUnitOfWork`` per request or job (an instance is not shared between
threads); each ``with`` block opens a fresh session. Nothing is visible to others
until ``commit()``; leaving the block without it rolls back, exceptions included.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

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
    ConsultationRepository,
    CustomerRepository,
    IdempotencyRepository,
    ProductRepository,
    RulebookRepository,
    UnitOfWork,
    VerificationRepository,
)

__all__ = ["SqlUnitOfWork", "make_engine", "make_session_factory"]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for Core statements; nothing is ORM-mapped, so nothing needs expiring."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


class SqlUnitOfWork:
    products: ProductRepository
    customers: CustomerRepository
    consultations: ConsultationRepository
    verifications: VerificationRepository
    rulebooks: RulebookRepository
    accounts: AccountRepository
    idempotency: IdempotencyRepository

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

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
        with conflicts_as_concurrent_update("commit"):
            self._open().commit()

    def rollback(self) -> None:
        self._open().rollback()

    def _open(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a with block")
        return self._session


if TYPE_CHECKING:  # the adapter keeps the port's shape; mypy checks it here
    _conforms: UnitOfWork = SqlUnitOfWork(sessionmaker())

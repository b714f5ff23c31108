"""The in-memory unit of work: the same contract as the SQL one, with dicts, for unit tests.

A ``MemoryStore`` holds the committed state and is shared by every ``MemoryUnitOfWork``
built on it (one store per test, one unit of work per request, as with SQL). A unit of
work works on a deep copy taken when its block opens; ``commit`` writes back only what
it changed, under the store's lock, after checking the same conflicts the database
would: a consultation saved by someone else since (``ConcurrentUpdate``) and a key
taken meanwhile (``AlreadyExists``). Objects handed out are copies, so changing one
changes nothing until it is saved and committed, exactly as with rows.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from wanjeon.adapters.db.memory_repositories import (
    Accounts,
    Audit,
    Consultations,
    Customers,
    Idempotency,
    MemoryStore,
    Products,
    Rulebooks,
    Verifications,
    Work,
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

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


class MemoryUnitOfWork:
    """``UnitOfWork`` over a ``MemoryStore``; pass the same store to every unit of work of a test."""

    products: ProductRepository
    customers: CustomerRepository
    consultations: ConsultationRepository
    verifications: VerificationRepository
    rulebooks: RulebookRepository
    accounts: AccountRepository
    idempotency: IdempotencyRepository
    audit: AuditRecorder

    def __init__(self, store: MemoryStore | None = None, *, readonly: bool = False) -> None:
        self.store = store if store is not None else MemoryStore()
        self._work: Work | None = None
        self._readonly = readonly
        self.committed = 0  # how many commits this unit of work made, for tests to assert on

    def __enter__(self) -> MemoryUnitOfWork:
        if self._work is not None:
            raise RuntimeError("this unit of work is already open; use one instance per block")
        self._begin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._work = None

    def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("a reading unit of work cannot commit; open one with Services.uow")
        self._open().commit()
        self.committed += 1
        self._begin()

    def rollback(self) -> None:
        self._open()
        self._begin()

    def _begin(self) -> None:
        work = self._work = Work(self.store)
        self.products = Products(work)
        self.customers = Customers(work)
        self.consultations = Consultations(work)
        self.verifications = Verifications(work)
        self.rulebooks = Rulebooks(work)
        self.accounts = Accounts(work)
        self.idempotency = Idempotency(work)
        self.audit = Audit(work)

    def _open(self) -> Work:
        if self._work is None:
            raise RuntimeError("the unit of work is not open; use it in a with block")
        return self._work


if TYPE_CHECKING:  # the fake keeps the port's shape; mypy checks it here
    _conforms: UnitOfWork = MemoryUnitOfWork()

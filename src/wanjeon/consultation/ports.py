"""Storage ports for the service: repositories behind a unit of work.

The contract every implementation keeps (the SQL adapter on SQLite and
PostgreSQL, and the in-memory fake):
- ``UnitOfWork`` is a context manager; nothing is visible to others until
  ``commit()``; leaving the block without commit rolls back.
- ``ConsultationRepository.save`` is optimistic: it raises ``ConcurrentUpdate``
  when the stored version differs from the one the aggregate was loaded at, so
  two writers racing on one consultation never lose an event.
- Lists filter by visibility *in the query* and paginate by an opaque cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from wanjeon.accounts.model import Account, Principal
from wanjeon.consultation.lifecycle import Consultation
from wanjeon.consultation.model import Customer, Product
from wanjeon.errors import WanjeonError


class ConcurrentUpdate(WanjeonError):
    """Somebody else changed the consultation since it was read (HTTP 409, retry)."""


class AlreadyExists(WanjeonError):
    """An id that must be unique is taken (HTTP 409)."""


@dataclass(frozen=True, slots=True)
class ConsultationFilter:
    verdict: str | None = None
    status: str | None = None
    product_id: str | None = None
    agent: str | None = None
    branch: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Consultation]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class VerificationRecord:
    """One verification of a consultation; re-verification adds a record, never replaces one."""

    id: str
    consultation_id: str
    rulebook_version: str
    transcript_sha256: str
    verdict: str
    report: dict[str, Any]
    created_at: datetime
    actor: str
    #: the stored transcript it was computed from, kept as long as this record exists
    transcript_key: str = ""


@dataclass(frozen=True, slots=True)
class RulebookVersion:
    version: str
    digest: str
    content: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What an idempotent POST answered the first time, replayed on a retry with the same key."""

    status_code: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    request_hash: str = ""


class ProductRepository(Protocol):
    def add(self, product: Product) -> None: ...
    def get(self, product_id: str) -> Product | None: ...
    def list(self) -> list[Product]: ...


class CustomerRepository(Protocol):
    def add(self, customer: Customer) -> None: ...
    def get(self, customer_id: str) -> Customer | None: ...


class ConsultationRepository(Protocol):
    def add(self, consultation: Consultation) -> None: ...
    def get(self, consultation_id: str, *, for_update: bool = False) -> Consultation | None: ...
    def save(self, consultation: Consultation) -> None: ...
    def list(
        self, principal: Principal, flt: ConsultationFilter, *, limit: int, cursor: str | None
    ) -> Page: ...
    def referenced_object(self, key: str) -> bool:
        """Whether a consultation's recording or transcript, or any verification record, needs ``key``."""
        ...


class VerificationRepository(Protocol):
    def add(self, record: VerificationRecord) -> None: ...
    def latest(self, consultation_id: str) -> VerificationRecord | None: ...
    def history(self, consultation_id: str) -> list[VerificationRecord]: ...


class RulebookRepository(Protocol):
    def ensure(self, version: RulebookVersion) -> None: ...
    def get(self, version: str) -> RulebookVersion | None: ...


class AccountRepository(Protocol):
    def add(self, account: Account, password_hash: str) -> None: ...
    def get(self, username: str) -> tuple[Account, str] | None: ...
    def count(self) -> int: ...
    def add_service_token(self, name: str, token_hash: str, account: Account) -> None: ...
    def by_service_token(self, token_hash: str) -> Account | None: ...


class IdempotencyRepository(Protocol):
    """``put`` reserves a key (first writer wins, a second is ``AlreadyExists``);
    ``complete`` stores the answer under a reserved key; ``release`` gives it up."""

    def get(self, principal: str, key: str) -> StoredResponse | None: ...
    def put(self, principal: str, key: str, response: StoredResponse) -> None: ...
    def complete(self, principal: str, key: str, response: StoredResponse) -> None: ...
    def release(self, principal: str, key: str) -> None: ...


class AuditRecorder(Protocol):
    """The audit entries of a unit of work's change, stored with its commit and never
    without it: a change and the record of who made it are one transaction. Entries join
    the audit log's hash chain (``audit.ports.AuditLog``) in the order they were recorded."""

    def append(
        self, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction's worth of repositories: nothing is stored until ``commit``, and
    leaving the block without it rolls back. A reading unit of work (``Services.reads``)
    refuses ``commit`` with ``RuntimeError``, and may see each read at the latest
    committed state rather than all of them at one instant."""

    products: ProductRepository
    customers: CustomerRepository
    consultations: ConsultationRepository
    verifications: VerificationRepository
    rulebooks: RulebookRepository
    accounts: AccountRepository
    idempotency: IdempotencyRepository
    audit: AuditRecorder

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...

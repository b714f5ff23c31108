"""SQL repositories for the catalogue, rulebooks, verifications, accounts and idempotency keys.

Each class implements one port of ``wanjeon.consultation.ports`` over a SQLAlchemy
``Session`` that the unit of work owns; none of them commits. Inserts that may
collide run in a SAVEPOINT, so ``AlreadyExists`` leaves the unit of work usable on
PostgreSQL too (where a failed statement otherwise aborts the whole transaction).
The consultation repository lives in ``consultations.py``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wanjeon.accounts.model import Account, Role, Scope
from wanjeon.adapters.db import tables as t
from wanjeon.adapters.db.errors import (
    conflicts_as_concurrent_update,
    is_foreign_key_violation,
    is_unique_violation,
    missing_reference,
)
from wanjeon.consultation.model import Category, Customer, InvestorType, Kind, Product
from wanjeon.consultation.ports import AlreadyExists, RulebookVersion, StoredResponse, VerificationRecord


def now() -> datetime:
    return datetime.now(UTC)


def insert_once(session: Session, statement: sa.Insert, what: str) -> None:
    """Insert in a savepoint; a taken key is ``AlreadyExists``, a dangling reference a defect."""
    with conflicts_as_concurrent_update(what):
        try:
            with session.begin_nested():
                session.execute(statement)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise AlreadyExists(f"{what} already exists") from exc
            if is_foreign_key_violation(exc):
                raise missing_reference(what, exc) from exc
            raise


class SqlProductRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, product: Product) -> None:
        data = asdict(product)
        del data["id"]
        row = {"id": product.id, "data": data, "created_at": now()}
        insert_once(self._session, sa.insert(t.products).values(row), f"product {product.id}")

    def get(self, product_id: str) -> Product | None:
        row = self._session.execute(sa.select(t.products).where(t.products.c.id == product_id)).one_or_none()
        return None if row is None else _product(row.id, row.data)

    def list(self) -> list[Product]:
        rows = self._session.execute(sa.select(t.products).order_by(t.products.c.id))
        return [_product(row.id, row.data) for row in rows]


def _product(product_id: str, data: dict[str, Any]) -> Product:
    # Unknown-to-the-row fields take the dataclass defaults, so adding a field needs no migration.
    fields = {**data, "category": Category(data["category"]), "kind": Kind(data["kind"])}
    return Product(id=product_id, **fields)


class SqlCustomerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, customer: Customer) -> None:
        data = asdict(customer)
        del data["id"]
        row = {"id": customer.id, "data": data, "created_at": now()}
        insert_once(self._session, sa.insert(t.customers).values(row), f"customer {customer.id}")

    def get(self, customer_id: str) -> Customer | None:
        row = self._session.execute(
            sa.select(t.customers).where(t.customers.c.id == customer_id)
        ).one_or_none()
        if row is None:
            return None
        fields = {**row.data, "investor_type": InvestorType(row.data["investor_type"])}
        return Customer(id=row.id, **fields)


class SqlRulebookRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def ensure(self, version: RulebookVersion) -> None:
        """Store the version once; the same label with another digest is refused, never overwritten."""
        stored = self.get(version.version)
        if stored is None:
            try:
                insert_once(
                    self._session,
                    sa.insert(t.rulebook_versions).values(asdict(version)),
                    f"rulebook version {version.version}",
                )
                return
            except AlreadyExists:  # another process stored it meanwhile
                stored = self.get(version.version)
        if stored is not None and stored.digest != version.digest:
            raise AlreadyExists(
                f"rulebook version {version.version} is stored with digest {stored.digest}, "
                f"not {version.digest}; give changed rules a new version"
            )

    def get(self, version: str) -> RulebookVersion | None:
        row = self._session.execute(
            sa.select(t.rulebook_versions).where(t.rulebook_versions.c.version == version)
        ).one_or_none()
        return None if row is None else RulebookVersion(row.version, row.digest, row.content, row.created_at)


class SqlVerificationRepository:
    """Verifications are append-only: re-verifying adds a record and keeps the earlier ones."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, record: VerificationRecord) -> None:
        statement = sa.insert(t.verifications).values(asdict(record))
        insert_once(self._session, statement, f"verification {record.id}")

    def latest(self, consultation_id: str) -> VerificationRecord | None:
        v = t.verifications.c
        row = self._session.execute(
            sa.select(t.verifications)
            .where(v.consultation_id == consultation_id)
            .order_by(v.created_at.desc(), v.id.desc())
            .limit(1)
        ).one_or_none()
        return None if row is None else VerificationRecord(**row._asdict())

    def history(self, consultation_id: str) -> list[VerificationRecord]:
        """Oldest first, so the list reads as the consultation's story."""
        v = t.verifications.c
        rows = self._session.execute(
            sa.select(t.verifications)
            .where(v.consultation_id == consultation_id)
            .order_by(v.created_at, v.id)
        )
        return [VerificationRecord(**row._asdict()) for row in rows]


class SqlAccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, account: Account, password_hash: str) -> None:
        row = {
            "username": account.username,
            "password_hash": password_hash,
            "role": account.role.value,
            "branch": account.branch,
            "display_name": account.display_name,
            "scope": None if account.scope is None else account.scope.value,
            "active": account.active,
            "created_at": now(),
        }
        insert_once(self._session, sa.insert(t.accounts).values(row), f"account {account.username}")

    def get(self, username: str) -> tuple[Account, str] | None:
        row = self._session.execute(
            sa.select(t.accounts).where(t.accounts.c.username == username)
        ).one_or_none()
        return None if row is None else (_account(row), row.password_hash)

    def count(self) -> int:
        return int(self._session.scalar(sa.select(sa.func.count()).select_from(t.accounts)) or 0)

    def add_service_token(self, name: str, token_hash: str, account: Account) -> None:
        """Only the hash is stored; the token itself is shown once, by the caller, and never again."""
        row = {"token_hash": token_hash, "name": name, "username": account.username, "created_at": now()}
        insert_once(self._session, sa.insert(t.service_tokens).values(row), f"service token {name}")

    def by_service_token(self, token_hash: str) -> Account | None:
        """The account a live (unrevoked) token acts as; the caller still checks ``active``."""
        tok = t.service_tokens.c
        row = self._session.execute(
            sa.select(t.accounts)
            .join(t.service_tokens, tok.username == t.accounts.c.username)
            .where(tok.token_hash == token_hash, tok.revoked_at.is_(None))
        ).one_or_none()
        return None if row is None else _account(row)


def _account(row: sa.Row[Any]) -> Account:
    scope = None if row.scope is None else Scope(row.scope)
    return Account(row.username, Role(row.role), row.branch, row.display_name, scope, row.active)


class SqlIdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, principal: str, key: str) -> StoredResponse | None:
        k = t.idempotency_keys.c
        row = self._session.execute(
            sa.select(t.idempotency_keys).where(k.principal == principal, k.key == key)
        ).one_or_none()
        if row is None:
            return None
        return StoredResponse(row.status_code, bytes(row.body), dict(row.headers), row.request_hash)

    def put(self, principal: str, key: str, response: StoredResponse) -> None:
        """First writer wins: a second ``put`` for the key is ``AlreadyExists`` (replay the first)."""
        row = {
            "principal": principal,
            "key": key,
            "request_hash": response.request_hash,
            "status_code": response.status_code,
            "body": response.body,
            "headers": dict(response.headers),
            "created_at": now(),
        }
        insert_once(self._session, sa.insert(t.idempotency_keys).values(row), f"idempotency key {key!r}")

    def complete(self, principal: str, key: str, response: StoredResponse) -> None:
        k = t.idempotency_keys.c
        self._session.execute(
            sa.update(t.idempotency_keys)
            .where(k.principal == principal, k.key == key)
            .values(status_code=response.status_code, body=response.body, headers=dict(response.headers))
        )

    def release(self, principal: str, key: str) -> None:
        k = t.idempotency_keys.c
        self._session.execute(sa.delete(t.idempotency_keys).where(k.principal == principal, k.key == key))

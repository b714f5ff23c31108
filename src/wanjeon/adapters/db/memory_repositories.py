"""The state and repositories behind ``MemoryUnitOfWork`` (see ``memory.py`` for the contract).

``Work`` is one unit of work's private deep copy of the committed ``State`` plus the
keys it added and changed; ``Work.commit`` checks conflicts and writes those keys back
under the store's lock. The repositories only read and change the copy.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from wanjeon.accounts.model import Account, Principal
from wanjeon.accounts.policy import sees
from wanjeon.adapters.db.paging import clamp_limit, decode_cursor, encode_cursor
from wanjeon.audit.memory import MemoryAuditLog
from wanjeon.consultation.lifecycle import Consultation
from wanjeon.consultation.model import Customer, Product
from wanjeon.consultation.ports import (
    AlreadyExists,
    ConcurrentUpdate,
    ConsultationFilter,
    Page,
    RulebookVersion,
    StoredResponse,
    VerificationRecord,
)
from wanjeon.errors import EngineError


@dataclass(slots=True)
class Token:
    name: str
    username: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(slots=True)
class State:
    products: dict[str, Product] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    consultations: dict[str, Consultation] = field(default_factory=dict)
    verifications: dict[str, VerificationRecord] = field(default_factory=dict)
    rulebooks: dict[str, RulebookVersion] = field(default_factory=dict)
    accounts: dict[str, tuple[Account, str]] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], StoredResponse] = field(default_factory=dict)


TABLES = tuple(f.name for f in fields(State))


class MemoryStore:
    """The committed state and its audit log; thread-safe, so tests can race units of work against it."""

    def __init__(self) -> None:
        self.state = State()
        self.lock = threading.Lock()
        self.audit = MemoryAuditLog()


class Work:
    """One unit of work's private copy and what it changed, for the repositories to share."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        with store.lock:
            self.state = deepcopy(store.state)
        self.added: dict[str, set[Any]] = {name: set() for name in TABLES}
        self.changed: dict[str, set[Any]] = {name: set() for name in TABLES}
        self.removed: dict[str, set[Any]] = {name: set() for name in TABLES}
        self.base_versions: dict[str, int] = {}  # consultation id -> version when first saved
        self.audit: list[dict[str, Any]] = []  # entries to chain when the work commits

    def insert(self, table: str, key: Any, value: Any, what: str) -> None:
        rows: dict[Any, Any] = getattr(self.state, table)
        if key in rows:
            raise AlreadyExists(f"{what} already exists")
        rows[key] = deepcopy(value)
        self.added[table].add(key)
        self.changed[table].add(key)

    def update(self, table: str, key: Any, value: Any) -> None:
        rows: dict[Any, Any] = getattr(self.state, table)
        if key in rows:
            rows[key] = deepcopy(value)
            self.changed[table].add(key)

    def delete(self, table: str, key: Any) -> None:
        getattr(self.state, table).pop(key, None)
        self.added[table].discard(key)
        self.changed[table].discard(key)
        self.removed[table].add(key)

    def require(self, table: str, key: Any, what: str) -> None:
        if key not in getattr(self.state, table):
            raise EngineError(f"{what} refers to a row that does not exist ({table} {key!r})")

    def commit(self) -> None:
        with self.store.lock:
            committed = self.store.state
            for cid, base in self.base_versions.items():
                stored = committed.consultations.get(cid)
                if stored is None or stored.version != base:
                    raise ConcurrentUpdate(f"consultation {cid} was saved by someone else; reload and retry")
            for table, keys in self.added.items():
                taken = keys & getattr(committed, table).keys()
                if table == "rulebooks":  # ensure() is idempotent: the same version stored twice is fine
                    mine = self.state.rulebooks
                    same = {k for k in taken if committed.rulebooks[k].digest == mine[k].digest}
                    taken -= same
                    self.changed[table] -= same
                if taken:
                    raise AlreadyExists(f"{table} {sorted(map(str, taken))} already exist")
            for table, keys in self.changed.items():
                for key in keys:
                    getattr(committed, table)[key] = deepcopy(getattr(self.state, table)[key])
            for table, keys in self.removed.items():
                for key in keys:
                    getattr(committed, table).pop(key, None)
            for entry in self.audit:
                self.store.audit.append(**entry)


def utc(at: datetime) -> datetime:
    """As the database stores it: the same instant, in UTC; a naive time is refused."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


def _in_utc(c: Consultation) -> Consultation:
    copy = deepcopy(c)
    copy.created_at = utc(c.created_at)
    copy.events = [replace(e, at=utc(e.at)) for e in copy.events]
    return copy


class Audit:
    def __init__(self, work: Work) -> None:
        self._work = work

    def append(
        self, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        self._work.audit.append({"actor": actor, "action": action, "target": target, "detail": detail})


class Products:
    def __init__(self, work: Work) -> None:
        self._w = work

    def add(self, product: Product) -> None:
        self._w.insert("products", product.id, product, f"product {product.id}")

    def get(self, product_id: str) -> Product | None:
        return deepcopy(self._w.state.products.get(product_id))

    def list(self) -> list[Product]:
        return [deepcopy(p) for _, p in sorted(self._w.state.products.items())]


class Customers:
    def __init__(self, work: Work) -> None:
        self._w = work

    def add(self, customer: Customer) -> None:
        self._w.insert("customers", customer.id, customer, f"customer {customer.id}")

    def get(self, customer_id: str) -> Customer | None:
        return deepcopy(self._w.state.customers.get(customer_id))


class Consultations:
    def __init__(self, work: Work) -> None:
        self._w = work

    def add(self, consultation: Consultation) -> None:
        what = f"consultation {consultation.id}"
        self._w.require("products", consultation.product_id, what)
        self._w.require("customers", consultation.customer_id, what)
        self._w.insert("consultations", consultation.id, _in_utc(consultation), what)

    def get(self, consultation_id: str, *, for_update: bool = False) -> Consultation | None:
        return deepcopy(self._w.state.consultations.get(consultation_id))

    def save(self, consultation: Consultation) -> None:
        """Optimistic, as in SQL: the version must match both this copy and the committed state."""
        cid, held = consultation.id, consultation.version
        mine = self._w.state.consultations.get(cid)
        if mine is None or mine.version != held:
            raise ConcurrentUpdate(f"consultation {cid} changed since it was read at version {held}")
        if cid not in self._w.added["consultations"]:
            base = self._w.base_versions.setdefault(cid, held)
            with self._w.store.lock:
                committed = self._w.store.state.consultations.get(cid)
            if committed is None or committed.version != base:
                raise ConcurrentUpdate(f"consultation {cid} was saved by someone else; reload and retry")
        if len(mine.events) > len(consultation.events):
            raise EngineError(f"consultation {cid} lost events: {len(mine.events)} stored")
        stored = _in_utc(consultation)
        stored.events = mine.events + stored.events[len(mine.events) :]  # stored events are never rewritten
        stored.version = held + 1
        self._w.state.consultations[cid] = stored
        self._w.changed["consultations"].add(cid)
        consultation.version = held + 1

    def list(self, principal: Principal, flt: ConsultationFilter, *, limit: int, cursor: str | None) -> Page:
        limit = clamp_limit(limit)
        after = decode_cursor(cursor) if cursor is not None else None
        rows = [
            c
            for c in self._w.state.consultations.values()
            if sees(principal, agent=c.agent, branch=c.branch)
            and _matches(c, flt)
            and (after is None or (c.created_at, c.id) < after)
        ]
        rows.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        items = [deepcopy(c) for c in rows[:limit]]
        more = len(rows) > limit
        return Page(items, encode_cursor(items[-1].created_at, items[-1].id) if more else None)

    def referenced_object(self, key: str) -> bool:
        return any(
            (c.recording is not None and c.recording.key == key)
            or (c.transcript is not None and c.transcript.key == key)
            for c in self._w.state.consultations.values()
        ) or any(v.transcript_key == key for v in self._w.state.verifications.values())


def _matches(c: Consultation, flt: ConsultationFilter) -> bool:
    pairs = [
        (c.verdict, flt.verdict),
        (c.status.value, flt.status),
        (c.product_id, flt.product_id),
        (c.agent, flt.agent),
        (c.branch, flt.branch),
    ]
    if any(wanted is not None and value != wanted for value, wanted in pairs):
        return False
    if flt.created_from is not None and c.created_at < flt.created_from:
        return False
    return flt.created_to is None or c.created_at < flt.created_to


class Verifications:
    def __init__(self, work: Work) -> None:
        self._w = work

    def add(self, record: VerificationRecord) -> None:
        what = f"verification {record.id}"
        self._w.require("consultations", record.consultation_id, what)
        self._w.require("rulebooks", record.rulebook_version, what)
        self._w.insert("verifications", record.id, replace(record, created_at=utc(record.created_at)), what)

    def latest(self, consultation_id: str) -> VerificationRecord | None:
        history = self.history(consultation_id)
        return history[-1] if history else None

    def history(self, consultation_id: str) -> list[VerificationRecord]:
        found = [v for v in self._w.state.verifications.values() if v.consultation_id == consultation_id]
        return deepcopy(sorted(found, key=lambda v: (v.created_at, v.id)))


class Rulebooks:
    def __init__(self, work: Work) -> None:
        self._w = work

    def ensure(self, version: RulebookVersion) -> None:
        stored = self._w.state.rulebooks.get(version.version)
        if stored is None:
            stored = replace(version, created_at=utc(version.created_at))
            self._w.insert("rulebooks", version.version, stored, f"rulebook version {version.version}")
        elif stored.digest != version.digest:
            raise AlreadyExists(
                f"rulebook version {version.version} is stored with digest {stored.digest}, "
                f"not {version.digest}; give changed rules a new version"
            )

    def get(self, version: str) -> RulebookVersion | None:
        return self._w.state.rulebooks.get(version)


class Accounts:
    def __init__(self, work: Work) -> None:
        self._w = work

    def add(self, account: Account, password_hash: str) -> None:
        self._w.insert("accounts", account.username, (account, password_hash), f"account {account.username}")

    def get(self, username: str) -> tuple[Account, str] | None:
        return self._w.state.accounts.get(username)

    def count(self) -> int:
        return len(self._w.state.accounts)

    def add_service_token(self, name: str, token_hash: str, account: Account) -> None:
        what = f"service token {name}"
        self._w.require("accounts", account.username, what)
        if any(token.name == name for token in self._w.state.tokens.values()):
            raise AlreadyExists(f"{what} already exists")
        self._w.insert("tokens", token_hash, Token(name, account.username, datetime.now(UTC)), what)

    def by_service_token(self, token_hash: str) -> Account | None:
        token = self._w.state.tokens.get(token_hash)
        if token is None or token.revoked_at is not None:
            return None
        return self._w.state.accounts[token.username][0]


class Idempotency:
    def __init__(self, work: Work) -> None:
        self._w = work

    def get(self, principal: str, key: str) -> StoredResponse | None:
        return deepcopy(self._w.state.idempotency.get((principal, key)))

    def put(self, principal: str, key: str, response: StoredResponse) -> None:
        stored = replace(response, headers=dict(response.headers))
        self._w.insert("idempotency", (principal, key), stored, f"idempotency key {key!r}")

    def complete(self, principal: str, key: str, response: StoredResponse) -> None:
        self._w.update("idempotency", (principal, key), replace(response, headers=dict(response.headers)))

    def release(self, principal: str, key: str) -> None:
        self._w.delete("idempotency", (principal, key))

"""``SqlAuditLog``: the hash-chained audit log in the service's database.

Chaining an entry reads the head and inserts the next entry; it is serialised across
threads *and processes*, on PostgreSQL by a transaction-scoped advisory lock, on SQLite by
the database's single write lock. So no two entries share a ``seq`` or link to the same
predecessor, and ``seq`` has no gaps (it is assigned here, not by a sequence, which would
leave holes on rollback).

A change records its entries in its own unit of work (``SqlAuditRecorder``), and they
commit together or not at all:

* on SQLite the unit of work holds the database's write lock when it writes, so its
  entries are chained right there, just before it commits;
* on PostgreSQL they are inserted into ``audit_pending`` instead, which waits for no
  lock. After the commit, ``chain_pending`` links whatever waits into the chain if the
  chain's lock is free; if it is not, its holder does, because it looks again after it
  lets go. A writer never queues behind another for the chain: the API bench found
  29% of a worker's threads waiting for that lock when every writer took it.

``SqlAuditLog.append`` records what changes nothing else (a read of a report, a login)
the same way, in a transaction of its own. ``entries`` and ``all`` first chain whatever
waits, waiting for the lock, so they show every entry recorded before they were called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wanjeon.adapters.db import tables as t
from wanjeon.adapters.db.engine import SQLITE_BEGIN
from wanjeon.audit.chain import AuditEntry, next_entry

if TYPE_CHECKING:
    from wanjeon.audit.ports import AuditLog
    from wanjeon.consultation.ports import AuditRecorder

# pg_advisory_xact_lock key for "wanjeon audit append" (any constant unique to wanjeon).
_APPEND_LOCK = 0x77616E6A_656F6E02
_BATCH = 1000
_A = t.audit_log.c


def _now() -> datetime:
    return datetime.now(UTC)


def _plain(value: Any) -> Any:
    """``detail`` as JSON will return it: times become the UTC text the hash already uses.

    ``chain.entry_hash`` hashes a datetime as its UTC ISO text, so storing that text keeps
    the stored entry's hash valid when it is read back.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return value  # next_entry refuses it with a clear error
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry waiting for its place in the chain (``seq`` and the hashes come then)."""

    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]

    @classmethod
    def of(
        cls, at: datetime, actor: str, action: str, target: str, detail: Mapping[str, Any] | None
    ) -> Pending:
        return cls(at, actor, action, target, _plain(dict(detail or {})))


_P = t.audit_pending.c
_HEAD = sa.select(t.audit_log).order_by(_A.seq.desc()).limit(1)
_LOCK = sa.select(sa.func.pg_advisory_xact_lock(_APPEND_LOCK))
_TRY_LOCK = sa.select(sa.func.pg_try_advisory_xact_lock(_APPEND_LOCK))
_WAITING = sa.select(t.audit_pending).order_by(_P.id).limit(_BATCH)
_NEWEST_WAITING = sa.select(sa.func.max(_P.id))
_ANY_WAITING = sa.select(_P.id).limit(1)
_DONE = sa.delete(t.audit_pending).where(_P.id.in_(sa.bindparam("ids", expanding=True)))


def _chain(connection: Connection, pending: Sequence[Pending]) -> None:
    """Link ``pending`` after the head, in the caller's transaction, which holds the chain's lock."""
    row = connection.execute(_HEAD).first()
    head = None if row is None else _entry(row)
    rows: list[dict[str, Any]] = []
    for p in pending:
        head = next_entry(head, at=p.at, actor=p.actor, action=p.action, target=p.target, detail=p.detail)
        rows.append(
            {
                "seq": head.seq,
                "at": head.at,
                "actor": head.actor,
                "action": head.action,
                "target": head.target,
                "detail": head.detail,
                "prev_hash": head.prev_hash,
                "hash": head.hash,
            }
        )
    connection.execute(sa.insert(t.audit_log), rows)


def record(connection: Connection, pending: Sequence[Pending]) -> bool:
    """Store ``pending`` in the caller's open transaction; True when ``chain_pending`` must
    follow its commit (PostgreSQL). On SQLite the transaction must hold the write lock
    already (``BEGIN IMMEDIATE``, or a write earlier in it)."""
    if connection.dialect.name != "postgresql":
        _chain(connection, pending)
        return False
    connection.execute(
        sa.insert(t.audit_pending),
        [
            {"at": p.at, "actor": p.actor, "action": p.action, "target": p.target, "detail": p.detail}
            for p in pending
        ],
    )
    return True


def chain_pending(engine: Engine, *, wait: bool) -> int:
    """PostgreSQL: link the waiting entries into the chain, a batch per transaction; returns
    how many.

    ``wait=False`` (after a writer's commit) returns at once when another holds the lock,
    and otherwise chains until nothing waits. Every holder looks once more *after* its
    last commit released the lock: a writer whose try failed had committed its entry
    before trying, so before that release, and the look finds it. ``wait=True`` (a reader
    of the log) waits for the lock and chains what waited when it was called, no more:
    a steady stream of writers cannot keep it chaining forever.
    """
    chained = 0
    upto = None
    if wait:
        with engine.connect() as connection:
            upto = connection.scalar(_NEWEST_WAITING)
        if upto is None:
            return 0
    while True:
        with engine.connect() as connection, connection.begin():
            if wait:
                connection.execute(_LOCK)
            elif not connection.scalar(_TRY_LOCK):
                return chained
            waiting = _WAITING if upto is None else _WAITING.where(_P.id <= upto)
            rows = connection.execute(waiting).all()
            if rows:
                _chain(connection, [Pending(r.at, r.actor, r.action, r.target, dict(r.detail)) for r in rows])
                connection.execute(_DONE, {"ids": [r.id for r in rows]})
        chained += len(rows)
        if len(rows) == _BATCH:
            continue  # more may wait right behind
        if wait:
            return chained
        with engine.connect() as connection:  # the look after the release
            if connection.scalar(_ANY_WAITING) is None:
                return chained


class SqlAuditRecorder:
    """A unit of work's ``audit``: entries kept until ``flush``, which the unit of work
    calls just before it commits."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self._clock = clock
        self._pending: list[Pending] = []

    def append(
        self, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        self._pending.append(Pending.of(self._clock(), actor, action, target, detail))

    def flush(self, connection: Connection) -> bool:
        """Store what was recorded; True when ``chain_pending`` must follow the commit."""
        if not self._pending:
            return False
        deferred = record(connection, self._pending)
        self._pending = []
        return deferred

    def discard(self) -> None:
        self._pending = []


class SqlAuditLog:
    """``AuditLog`` on SQLite or PostgreSQL; share one instance per engine, it is thread-safe."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _now) -> None:
        self._engine = engine
        self._clock = clock
        self._deferred = engine.dialect.name == "postgresql"

    def append(
        self, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        pending = Pending.of(self._clock(), actor, action, target, detail)
        with self._engine.connect() as connection:
            connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            with connection.begin():
                record(connection, [pending])
        if self._deferred:
            chain_pending(self._engine, wait=False)

    def settle(self) -> None:
        """Chain every entry recorded so far (waiting for the lock if need be)."""
        if self._deferred:
            chain_pending(self._engine, wait=True)

    def entries(
        self,
        *,
        after_seq: int = 0,
        limit: int = 100,
        actor: str | None = None,
        target: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        self.settle()
        return self._entries(after_seq, limit, actor, target, action)

    def _entries(
        self, after_seq: int, limit: int, actor: str | None, target: str | None, action: str | None
    ) -> list[AuditEntry]:
        wanted = [(_A.actor, actor), (_A.target, target), (_A.action, action)]
        query = (
            sa.select(t.audit_log)
            .where(_A.seq > after_seq, *(column == value for column, value in wanted if value is not None))
            .order_by(_A.seq)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [_entry(row) for row in connection.execute(query)]

    def all(self) -> Iterator[AuditEntry]:
        """The whole chain in ``seq`` order, read in batches so a long log never sits in memory."""
        self.settle()
        after = 0
        while True:
            batch = self._entries(after, _BATCH, None, None, None)
            yield from batch
            if len(batch) < _BATCH:
                return
            after = batch[-1].seq


def _entry(row: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(
        row.seq, row.at, row.actor, row.action, row.target, dict(row.detail), row.prev_hash, row.hash
    )


if TYPE_CHECKING:  # the adapter keeps the port's shape; mypy checks it here
    _conforms: AuditLog = SqlAuditLog(sa.create_engine("sqlite://"))
    _records: AuditRecorder = SqlAuditRecorder()

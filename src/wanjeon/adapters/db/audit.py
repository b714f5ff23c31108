"""``SqlAuditLog``: the hash-chained audit log in the service's database.

Each append is its own short transaction that reads the head and inserts the next
entry. Appends are serialised across threads *and processes*: on PostgreSQL by a
transaction-scoped advisory lock taken first, on SQLite by ``BEGIN IMMEDIATE`` (the
database's single write lock). So no two entries share a ``seq`` or link to the same
predecessor, and ``seq`` has no gaps (it is assigned here, not by a sequence, which
would leave holes on rollback).

Because the append commits on its own, call it after the unit of work it records has
committed: on SQLite an append inside an open writing unit of work in the same thread
would wait for that unit's lock until the busy timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wanjeon.adapters.db import tables as t
from wanjeon.adapters.db.engine import SQLITE_BEGIN
from wanjeon.audit.chain import AuditEntry, next_entry

if TYPE_CHECKING:
    from wanjeon.audit.ports import AuditLog

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


class SqlAuditLog:
    """``AuditLog`` on SQLite or PostgreSQL; share one instance per engine, it is thread-safe."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _now) -> None:
        self._engine = engine
        self._clock = clock

    def append(
        self, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        kept = _plain(dict(detail or {}))
        with self._engine.connect() as connection:
            connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_APPEND_LOCK)))
                row = connection.execute(sa.select(t.audit_log).order_by(_A.seq.desc()).limit(1)).first()
                head = None if row is None else _entry(row)
                entry = next_entry(
                    head, at=self._clock(), actor=actor, action=action, target=target, detail=kept
                )
                connection.execute(
                    sa.insert(t.audit_log).values(
                        seq=entry.seq,
                        at=entry.at,
                        actor=entry.actor,
                        action=entry.action,
                        target=entry.target,
                        detail=entry.detail,
                        prev_hash=entry.prev_hash,
                        hash=entry.hash,
                    )
                )
        return entry

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
        after = 0
        while True:
            batch = self.entries(after_seq=after, limit=_BATCH)
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

"""``MemoryAuditLog``: the audit log kept in memory, for tests and the embedded mode."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from wanjeon.audit.chain import AuditEntry, next_entry


def _now() -> datetime:
    return datetime.now(UTC)


class MemoryAuditLog:
    """An ``AuditLog`` in a list behind one lock.

    The lock covers reading the head, stamping the time and appending, so that
    concurrent appenders can neither share a ``seq`` nor link to the same entry.
    Readers get copies taken under the lock and may iterate while others append.
    """

    def __init__(self, *, clock: Callable[[], datetime] = _now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: list[AuditEntry] = []

    def append(
        self, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        with self._lock:
            head = self._entries[-1] if self._entries else None
            entry = next_entry(
                head, at=self._clock(), actor=actor, action=action, target=target, detail=detail or {}
            )
            self._entries.append(entry)

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
        with self._lock:
            # seq n is at index n - 1: the list is never edited, only appended to.
            after = self._entries[max(after_seq, 0) :]
        wanted = (
            e
            for e in after
            if (actor is None or e.actor == actor)
            and (target is None or e.target == target)
            and (action is None or e.action == action)
        )
        return list(islice(wanted, limit))

    def all(self) -> Iterator[AuditEntry]:
        with self._lock:
            snapshot = tuple(self._entries)
        return iter(snapshot)

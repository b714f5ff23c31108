"""The port through which everything that reads or changes consultation data is recorded."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from wanjeon.audit.chain import AuditEntry


class AuditLog(Protocol):
    """An append-only, hash-chained log of who read or changed what.

    Contract every implementation keeps:

    * ``append`` records an entry, stamped with the time in UTC. However many threads or
      processes append at once, each entry gets the next ``seq`` and links to the entry
      chained just before it (a lock in memory, a database lock). An implementation may
      link it into the chain a moment later than it returns, but never loses it.
    * ``entries`` and ``all`` show every entry appended before they were called.
    * Nothing is ever updated or deleted through this port; archiving old entries is
      an operator's act that leaves a ``Checkpoint`` behind.
    * ``entries`` pages in ``seq`` order: those after ``after_seq``, at most ``limit``,
      keeping only the ones whose ``actor``, ``target`` and ``action`` equal the filters
      given. ``all`` yields the whole chain in ``seq`` order, for ``verify_chain``.

    Actions are named ``<what>.<verb>``, such as ``recording.read`` or ``report.update``.
    """

    def append(
        self, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> None: ...

    def entries(
        self,
        *,
        after_seq: int = 0,
        limit: int = 100,
        actor: str | None = None,
        target: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]: ...

    def all(self) -> Iterator[AuditEntry]: ...

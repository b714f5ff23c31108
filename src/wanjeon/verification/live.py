"""Verification while a consultation is still going on: the checklist that ticks itself.

Each utterance re-judges the conversation so far and reports only what changed since the
one before. Re-judging everything, rather than the new utterance alone, is deliberate: a
judgment can change with what comes later (the customer affirms a read-back, the seller
corrects a wrong figure in the same turn, a confused question gets its answer), and the
engine already applies those rules to a whole transcript. The price is one verification
of the transcript so far per utterance: for a 30-minute consultation about 30 ms at its
end (``bench/verify_bench.py``), well inside the seconds between two utterances.

While the consultation goes on, a ``missing`` item means "not said yet"; it becomes a gap
only if the consultation ends without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from wanjeon.consultation.case import Case
from wanjeon.consultation.model import Customer, Product, SaleContext
from wanjeon.rulebook.model import ItemRule
from wanjeon.transcript.model import Transcript, Utterance
from wanjeon.verification.report import Flag, ItemResult, Report, ViolationResult


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """What the utterance at ``segment`` (0-based) changed."""

    segment: int
    #: items whose status, confirmation or method changed, as they stand now
    items: tuple[ItemResult, ...]
    #: violations found now that were not before (a warning for the seller)
    violations: tuple[ViolationResult, ...]
    #: violations reported before that no longer hold (a correction took them back)
    withdrawn: tuple[ViolationResult, ...]
    #: near misses found now that were not before
    flags: tuple[Flag, ...]
    #: the whole judgment, were the consultation to end here
    report: Report


class Judge(Protocol):
    """What a live session needs of the engine (``verification.engine.Verifier``)."""

    def applicable_items(self, case: Case) -> list[ItemRule]: ...
    def verify(self, case: Case) -> Report: ...


class LiveVerification:
    """One consultation's live checklist; not thread-safe (one per live session)."""

    def __init__(
        self,
        verifier: Judge,
        name: str,
        product: Product,
        customer: Customer | None,
        context: SaleContext,
    ) -> None:
        self._verifier = verifier
        self._case = Case(name, product, Transcript(()), customer, context)
        self._said: list[Utterance] = []
        self._last: Report | None = None

    @property
    def checklist(self) -> list[ItemRule]:
        """The items this sale requires, in the order they are usually explained."""
        return self._verifier.applicable_items(self._case)

    @property
    def transcript(self) -> Transcript:
        return Transcript(tuple(self._said))

    @property
    def report(self) -> Report | None:
        return self._last

    def add(self, utterance: Utterance) -> LiveUpdate:
        self._said.append(utterance)
        case = Case(
            self._case.name, self._case.product, self.transcript, self._case.customer, self._case.context
        )
        now = self._verifier.verify(case)
        before, self._last = self._last, now
        old_items = {} if before is None else {i.id: _state(i) for i in before.items}
        old_violations = {} if before is None else {_where(v): v for v in before.violations}
        new_violations = {_where(v): v for v in now.violations}
        old_flags = set() if before is None else {(f.violation, f.segment) for f in before.flags}
        return LiveUpdate(
            segment=len(self._said) - 1,
            items=tuple(i for i in now.items if old_items.get(i.id) != _state(i)),
            violations=tuple(v for key, v in new_violations.items() if key not in old_violations),
            withdrawn=tuple(v for key, v in old_violations.items() if key not in new_violations),
            flags=tuple(f for f in now.flags if (f.violation, f.segment) not in old_flags),
            report=now,
        )


def _state(item: ItemResult) -> tuple[str, bool | None, str]:
    return (str(item.status), item.confirmed, item.method)


def _where(violation: ViolationResult) -> tuple[str, int]:
    return (violation.id, violation.segment)

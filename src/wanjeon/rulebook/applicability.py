"""Applicability: when an item or a violation applies, as a small condition tree.

A condition is a mapping of *facts* about the sale to the values that satisfy
it, combined with ``all`` / ``any`` / ``not``. The facts are computed once per
consultation (``SaleFacts``) from the product, the customer and the context, so
the rulebook can say "ELS/DLS/ELF sold to someone 65+ or unsuitable" without code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Fact names a condition may test, with the type of value each holds.
FACT_TYPES: dict[str, type] = {
    "category": str,
    "kind": str,
    "complex": bool,
    "recommended": bool,
    "channel": str,
    "principal_protected": bool,
    "deposit_insured": bool,
    "suitable": bool,
    "elderly": bool,
    "very_elderly": bool,
    "has_customer": bool,
}
#: Numeric facts tested with ``<name>_min`` / ``<name>_max``.
NUMERIC_FACTS = ("age", "risk_grade")


@dataclass(frozen=True, slots=True)
class SaleFacts:
    values: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.values.get(name)


@dataclass(frozen=True, slots=True)
class Condition:
    """``equals`` maps a fact to the set of accepted values; ranges bound numeric facts."""

    equals: dict[str, frozenset[Any]] = field(default_factory=dict)
    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)
    all_of: tuple[Condition, ...] = ()
    any_of: tuple[Condition, ...] = ()
    none_of: tuple[Condition, ...] = ()

    def holds(self, facts: SaleFacts) -> bool:
        for name, accepted in self.equals.items():
            if facts.get(name) not in accepted:
                return False
        for name, low in self.minimum.items():
            value = facts.get(name)
            if value is None or value < low:
                return False
        for name, high in self.maximum.items():
            value = facts.get(name)
            if value is None or value > high:
                return False
        if not all(c.holds(facts) for c in self.all_of):
            return False
        if self.any_of and not any(c.holds(facts) for c in self.any_of):
            return False
        return not any(c.holds(facts) for c in self.none_of)


ALWAYS = Condition()

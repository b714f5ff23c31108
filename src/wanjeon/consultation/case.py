"""A case: one consultation with everything needed to verify it, plus optional labels."""

from __future__ import annotations

from dataclasses import dataclass, field

from wanjeon.consultation.model import Customer, Product, SaleContext
from wanjeon.transcript.model import Transcript


@dataclass(frozen=True, slots=True)
class Expected:
    """Labels of a case file; verification ignores them, evaluation compares against them."""

    verdict: str | None = None
    items: dict[str, str] = field(default_factory=dict)
    violations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    product: Product
    transcript: Transcript
    customer: Customer | None = None
    context: SaleContext = field(default_factory=SaleContext)
    expected: Expected | None = None

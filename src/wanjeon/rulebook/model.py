"""The rulebook: the law as data (domain.md), loaded from versioned YAML.

Matching code knows *kinds* of evidence — concepts that must co-occur, whether a
statement is negated, asked or hedged, which product fact it must agree with —
and never a product or a phrase. Everything that names words, items, violations,
severities, the suitability matrix or the verdict policy lives here as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from wanjeon.rulebook.applicability import Condition


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Polarity(StrEnum):
    """Which statements a cue accepts: ``affirmative`` = not negated, ``negative`` = negated."""

    ANY = "any"
    AFFIRMATIVE = "affirmative"
    NEGATIVE = "negative"


class Mood(StrEnum):
    """Whether a cue accepts statements, questions or both."""

    ANY = "any"
    STATEMENT = "statement"
    QUESTION = "question"


@dataclass(frozen=True, slots=True)
class Term:
    """One way of saying part of a concept. ``pattern`` is a regex over keys, else ``key`` is literal."""

    text: str
    key: str
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Cue:
    """Concepts that must all occur in one sentence for the cue to fire, and none of ``unless``.

    ``hedged``: True requires a hedge word (거의, 웬만하면), False forbids one,
    None ignores hedges. ``weight`` is the confidence the cue gives on its own.
    """

    concepts: tuple[str, ...]
    weight: float = 0.9
    polarity: Polarity = Polarity.ANY
    mood: Mood = Mood.ANY
    hedged: bool | None = None
    label: str = ""
    unless: tuple[str, ...] = ()


class FactCheck(StrEnum):
    """How a statement is compared with the product's facts (see ``verification.facts``)."""

    POLARITY = "polarity"
    RISK_GRADE = "risk_grade"
    PERIOD_DAYS = "period_days"
    LIMIT_AMOUNT = "limit_amount"


@dataclass(frozen=True, slots=True)
class Fact:
    check: FactCheck
    attribute: str = ""
    inverting: tuple[str, ...] = ()
    #: concepts that make the sentence's fact ambiguous (a grade said while stating
    #: which investor types may buy which grades is a rule, not this product's grade)
    ambiguous: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemRule:
    id: str
    title: str
    severity: Severity
    confirm: bool
    source: str
    applies: Condition
    cues: tuple[Cue, ...]
    facts: tuple[Fact, ...] = ()
    order: int = 0
    #: whether covering this item marks what the conversation is about (false for
    #: items conveyed all over a consultation, like the product overview)
    topic: bool = True


class ViolationKind(StrEnum):
    PATTERN = "pattern"
    UNSUITABLE = "unsuitable"
    UNCONFIRMED = "unconfirmed"
    MISINFORMATION = "misinformation"


@dataclass(frozen=True, slots=True)
class ViolationRule:
    id: str
    principle: str
    severity: Severity
    source: str
    kind: ViolationKind
    applies: Condition
    patterns: tuple[Cue, ...] = ()
    answers: tuple[Cue, ...] = ()
    disclosure: tuple[Cue, ...] = ()
    #: near misses: what a person should listen to when no pattern fired (a review, never a pass)
    suspicions: tuple[Cue, ...] = ()


@dataclass(frozen=True, slots=True)
class VerdictPolicy:
    fail_item_severities: frozenset[Severity]
    fail_violation_severities: frozenset[Severity]
    review_item_severities: frozenset[Severity]
    review_violation_severities: frozenset[Severity]
    review_unconfirmed: bool = True
    review_low_confidence: bool = True
    review_suspicions: bool = True


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Dialogue signals, as concept names defined in ``Rulebook.concepts``."""

    affirmation: str
    deferral: str
    moving_on: str
    refusal: str
    confusion: str
    reexplain: str
    hedge: str
    agreement: str
    recommendation: str


@dataclass(frozen=True, slots=True)
class Rulebook:
    version: str
    effective: str
    confidence_threshold: float
    suitability_matrix: dict[str, int]
    settings: dict[str, Any]
    lexicon: Lexicon
    concepts: dict[str, Concept]
    items: tuple[ItemRule, ...]
    violations: tuple[ViolationRule, ...]
    verdict: VerdictPolicy
    sources: dict[str, str] = field(default_factory=dict)
    #: concepts whose words hide the shorter terms inside them (해약환급금 is not 해약 + 환급금)
    compounds: frozenset[str] = frozenset()

    def item(self, item_id: str) -> ItemRule:
        return next(i for i in self.items if i.id == item_id)

    def source_text(self, source: str) -> str:
        return self.sources.get(source, source)

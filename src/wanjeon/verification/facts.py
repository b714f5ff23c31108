"""Checking what the agent said against the facts of *this* product.

An explanation can be present and still wrong: calling an uninsured ELS
deposit-insured, quoting grade 4 for a grade-2 bond, a 7-day withdrawal period
for a loan (14 days), or the pre-2025 5천만원 protection limit. Each check
returns whether the statement agrees, and why, so the reviewer sees the fact
that was compared; the rulebook decides which item uses which check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wanjeon.consultation.model import Product
from wanjeon.rulebook.model import Fact, FactCheck, Rulebook
from wanjeon.verification.cues import CueEvaluator, CueHit
from wanjeon.verification.text import flatten, parse_sino

_GRADE = re.compile(flatten(r"(\d)등급(?!까지|부터|이상|이하|이내|상품까지)"))
_PERIOD = re.compile(flatten(r"(?<!영업)(?<!\d)(\d+)(일|주)(?!째)"))
_BUSINESS_DAYS = re.compile(flatten(r"(\d+)영업일"))
_LIMIT_AFTER = re.compile(flatten(r"(\d{6,})원?(?:까지|한도|이하|내에서)"))
_LIMIT_BEFORE = re.compile(flatten(r"(?:최고|최대|한도)(?:는|가|로)?(\d{6,})"))


# "오천까지 돼요": a limit said in units of 만원, the way people talk about deposits.
_COLLOQUIAL_DIGITS = re.compile(flatten(r"(?<![\d.])(\d{1,5})(?:까지|한도)"))
_COLLOQUIAL_WORDS = re.compile(flatten("([영공일이삼사오육칠팔구십백천만억]+)(?:까지|한도)"))


def _colloquial_limits(key: str) -> set[int]:
    found = {int(n) * 10_000 for n in _COLLOQUIAL_DIGITS.findall(key)}
    for run in _COLLOQUIAL_WORDS.findall(key):
        value = parse_sino(run)
        if value is not None and 0 < value < 1_000_000:
            found.add(int(value) * 10_000)
        elif value is not None and value >= 10**8:
            found.add(int(value))
    return found


@dataclass(frozen=True, slots=True)
class FactResult:
    correct: bool
    reason: str


class FactChecker:
    def __init__(
        self, rulebook: Rulebook, evaluator: CueEvaluator, product: Product, attributes: dict[str, Any]
    ) -> None:
        self.rulebook = rulebook
        self.evaluator = evaluator
        self.product = product
        self.attributes = attributes
        labels = rulebook.settings.get("risk_grade_labels", {})
        self._labels = sorted(
            ((flatten(str(v).replace(" ", "")), int(k)) for k, v in labels.items()),
            key=lambda kv: -len(kv[0]),
        )

    def check(self, facts: tuple[Fact, ...], hit: CueHit) -> FactResult | None:
        """The verdict of the first fact check that has something to compare, if any."""
        result: FactResult | None = None
        for fact in facts:
            if any(hit.sentence.has(name) for name in fact.ambiguous):
                continue
            outcome = self._one(fact, hit)
            if outcome is None:
                continue
            if not outcome.correct:
                return outcome
            result = result or outcome
        return result

    def _one(self, fact: Fact, hit: CueHit) -> FactResult | None:
        if fact.check is FactCheck.POLARITY:
            return self._polarity(fact, hit)
        if fact.check is FactCheck.RISK_GRADE:
            return self._grade(hit)
        if fact.check is FactCheck.PERIOD_DAYS:
            return self._period(hit)
        return self._limit(hit)

    def claims(self, fact: Fact, hit: CueHit) -> bool:
        """Whether the sentence asserts the attribute (not negated, unless an inverting word flips it)."""
        negated = hit.negated
        if negated is None:
            negated = self.evaluator.is_negated(hit.sentence, hit.cue.concepts)
        says = not negated
        if any(hit.sentence.has(name) for name in fact.inverting):
            says = not says
        return says

    def _polarity(self, fact: Fact, hit: CueHit) -> FactResult | None:
        expected = self.attributes.get(fact.attribute)
        if expected is None:
            return None
        says = self.claims(fact, hit)
        word = fact.attribute.replace("_", " ")
        if says == expected:
            return FactResult(True, f"states {word}: {'yes' if says else 'no'}, as the product is")
        return FactResult(
            False,
            f"states {word}: {'yes' if says else 'no'}, "
            f"but for this product it is {'yes' if expected else 'no'}",
        )

    def _grade(self, hit: CueHit) -> FactResult | None:
        actual = self.product.risk_grade
        if actual is None:
            return None
        key = hit.sentence.key.text
        stated = {int(g) for g in _GRADE.findall(key)}
        if not stated:
            compact = key
            for label, grade in self._labels:
                if label in compact:
                    stated.add(grade)
                    compact = compact.replace(label, "")
        if not stated:
            return None
        if actual in stated:
            return FactResult(True, f"risk grade {actual} stated correctly")
        said = ", ".join(str(g) for g in sorted(stated))
        return FactResult(False, f"states risk grade {said}; the product is grade {actual}")

    def valid_withdrawal_days(self) -> set[int]:
        table = self.rulebook.settings.get("withdrawal_days", {})
        valid = {int(d) for d in table.get(str(self.product.category), [])}
        if self.product.withdrawal_days:
            valid.add(self.product.withdrawal_days)
        return valid

    def _period(self, hit: CueHit) -> FactResult | None:
        key = _BUSINESS_DAYS.sub("", hit.sentence.key.text)
        stated = {int(n) * (7 if unit == flatten("주") else 1) for n, unit in _PERIOD.findall(key)}
        valid = self.valid_withdrawal_days()
        if not stated or not valid:
            return None
        if stated & valid:
            return FactResult(True, f"period of {min(stated & valid)} days stated correctly")
        said = ", ".join(str(d) for d in sorted(stated))
        right = ", ".join(str(d) for d in sorted(valid))
        return FactResult(
            False, f"states a period of {said} days; the law gives {right} days for this product"
        )

    def _limit(self, hit: CueHit) -> FactResult | None:
        limit = self.rulebook.settings.get("deposit_insurance_limit_krw")
        if not limit or not self.product.deposit_insured:
            return None
        key = hit.sentence.key.text
        stated = {int(a) for a in _LIMIT_AFTER.findall(key)} | {int(a) for a in _LIMIT_BEFORE.findall(key)}
        stated |= _colloquial_limits(key)
        if not stated:
            return None
        if int(limit) in stated:
            return FactResult(True, f"protection limit of {int(limit):,}원 stated correctly")
        said = ", ".join(f"{a:,}원" for a in sorted(stated))
        return FactResult(False, f"states a protection limit of {said}; the limit is {int(limit):,}원")

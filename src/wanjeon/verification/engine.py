"""The verifier: one consultation in, one explained report out.

Order matters and is fixed here: prepare the text once; judge every applicable
item (recording which segments cover what); find violations, which need the
items (misinformation, whether confusion was answered on-topic); then apply the
verdict policy. The verifier holds no per-consultation state and is safe to
share between threads.
"""

from __future__ import annotations

from typing import Any

from wanjeon.consultation.case import Case
from wanjeon.rulebook.applicability import SaleFacts
from wanjeon.rulebook.model import ItemRule, Rulebook
from wanjeon.verification.conversation import Conversation
from wanjeon.verification.cues import CueEvaluator
from wanjeon.verification.dialogue import Dialogue
from wanjeon.verification.facts import FactChecker
from wanjeon.verification.fuzzy import Similarity
from wanjeon.verification.items import ItemJudge, Statement
from wanjeon.verification.language import MorphemeAnalyzer
from wanjeon.verification.matching import ConceptIndex
from wanjeon.verification.report import ItemResult, ItemStatus, Report, Suitability
from wanjeon.verification.verdict import decide, summarise
from wanjeon.verification.violations import ViolationFinder


def suitability(rulebook: Rulebook, case: Case) -> Suitability:
    investor = case.customer.investor_type.value if case.customer else None
    grade = case.product.risk_grade
    if investor is None or grade is None:
        return Suitability(investor, grade, None)
    limit = rulebook.suitability_matrix[investor]
    return Suitability(investor, grade, grade >= limit, limit)


def sale_facts(rulebook: Rulebook, case: Case, suitable: bool | None) -> SaleFacts:
    p, c = case.product, case.customer
    elderly_age = int(rulebook.settings.get("elderly_age", 65))
    very_elderly_age = int(rulebook.settings.get("very_elderly_age", 80))
    values: dict[str, Any] = {
        "category": p.category.value,
        "kind": p.kind.value,
        "complex": p.complex,
        "recommended": case.context.recommended,
        "channel": case.context.channel.value,
        "principal_protected": p.principal_protected,
        "deposit_insured": p.deposit_insured,
        "suitable": suitable,
        "risk_grade": p.risk_grade,
        "has_customer": c is not None,
        "age": c.age if c else None,
        "elderly": c.age >= elderly_age if c else None,
        "very_elderly": c.age >= very_elderly_age if c else None,
    }
    return SaleFacts(values)


class Verifier:
    def __init__(
        self, rulebook: Rulebook, analyzer: MorphemeAnalyzer, similarity: Similarity | None = None
    ) -> None:
        self.rulebook = rulebook
        self.analyzer = analyzer
        self.similarity = similarity
        self.index = ConceptIndex(rulebook.concepts, rulebook.compounds)
        self._orders = {item.id: item.order for item in rulebook.items}

    def applicable_items(self, case: Case) -> list[ItemRule]:
        """The items this sale requires, in the rulebook's order; the transcript is not read."""
        facts = sale_facts(self.rulebook, case, suitability(self.rulebook, case).suitable)
        return [item for item in self.rulebook.items if item.applies.holds(facts)]

    def verify(self, case: Case) -> Report:
        rulebook = self.rulebook
        suit = suitability(rulebook, case)
        facts = sale_facts(rulebook, case, suit.suitable)
        conv = Conversation.prepare(case.transcript, self.index)
        evaluator = CueEvaluator(rulebook, self.analyzer)
        dialogue = Dialogue(conv, rulebook)
        attributes: dict[str, Any] = {
            "deposit_insured": case.product.deposit_insured,
            "principal_protected": case.product.principal_protected,
            "complex": case.product.complex,
            "suitable": suit.suitable,
        }
        judge = ItemJudge(
            conv,
            evaluator,
            dialogue,
            FactChecker(rulebook, evaluator, case.product, attributes),
            self._orders,
            self.similarity,
            rulebook.confidence_threshold,
        )

        applicable = [item for item in rulebook.items if item.applies.holds(facts)]
        said = {rule.id: judge.statements(rule) for rule in applicable}
        covered_at = {item_id: [s.segment for s in statements] for item_id, statements in said.items()}
        items: list[ItemResult] = []
        wrong: dict[str, list[Statement]] = {}
        for rule in applicable:
            result, errors = judge.judge(rule, said[rule.id], covered_at)
            items.append(result)
            if errors:
                wrong[rule.id] = errors
        items_at: dict[int, set[str]] = {}
        topics = {rule.id for rule in applicable if rule.topic}
        for item_id, segs in covered_at.items():
            if item_id not in topics:
                continue
            for seg in segs:
                items_at.setdefault(seg, set()).add(item_id)

        finder = ViolationFinder(rulebook, conv, evaluator, dialogue, facts, case.context)
        violations = finder.find(wrong, items_at)
        flags = finder.suspicions(violations)
        verdict, reasons = decide(rulebook, items, violations, flags)
        return Report(
            verdict,
            rulebook.version,
            tuple(items),
            tuple(violations),
            suit,
            summarise(rulebook, items, violations),
            reasons,
            tuple(flags),
        )


__all__ = ["ItemStatus", "Verifier", "sale_facts", "suitability"]

"""The rulebook is data: it validates with clear errors and a bank can extend it."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import case, customer, dialogue, product, violation_ids
from wanjeon.adapters.files.rulebook import load_rulebook
from wanjeon.adapters.language.kiwi import KiwiAnalyzer
from wanjeon.errors import RulebookError
from wanjeon.verification.engine import Verifier


def test_the_built_in_rulebook_has_every_item_and_violation_of_the_domain_spec() -> None:
    book = load_rulebook()
    assert {i.id for i in book.items} == {
        "recording_notice",
        "suitability_result",
        "product_overview",
        "risk_grade",
        "principal_loss_risk",
        "deposit_insurance",
        "fees",
        "early_termination",
        "withdrawal_right",
        "complaint_procedure",
        "explanation_document",
        "underlying_assets",
        "payoff_structure",
        "cooling_off",
        "interest_rate",
        "rate_type",
        "repayment_method",
        "prepayment_fee",
        "delinquency",
        "premium",
        "coverage",
        "exclusions",
    }
    assert {v.id for v in book.violations} == {
        "guaranteed_principal",
        "guaranteed_return",
        "risk_denial",
        "deposit_equivalence",
        "misinformation",
        "rushed_explanation",
        "unconfirmed_understanding",
        "suitability_manipulation",
        "unsuitable_recommendation",
        "undue_pressure",
        "tying",
    }


def test_every_rule_names_its_legal_source() -> None:
    book = load_rulebook()
    for rule in [*book.items, *book.violations]:
        assert "법" in book.source_text(rule.source) or "가이드라인" in book.source_text(rule.source), rule.id


def test_a_stricter_suitability_matrix_changes_the_judgment(tmp_path: Path) -> None:
    stricter = tmp_path / "bank.yaml"
    stricter.write_text("suitability_matrix: {neutral: 4}\n", encoding="utf-8")
    sale = case(product("fund", risk_grade=3), dialogue("직원: 이 펀드를 추천드립니다."), customer("neutral"))
    analyzer = KiwiAnalyzer()
    assert "unsuitable_recommendation" not in violation_ids(Verifier(load_rulebook(), analyzer).verify(sale))
    assert "unsuitable_recommendation" in violation_ids(
        Verifier(load_rulebook(stricter), analyzer).verify(sale)
    )


def test_an_override_can_add_a_term_to_a_concept(tmp_path: Path) -> None:
    override = tmp_path / "bank.yaml"
    override.write_text("concepts:\n  rush_formality: [형식적, 요식행위, 통과의례]\n", encoding="utf-8")
    book = load_rulebook(override)
    assert any(t.text == "통과의례" for t in book.concepts["rush_formality"].terms)


@pytest.mark.parametrize(
    ("content", "field", "reason"),
    [
        ("suitability_matrix: {neutral: 9}\n", "suitability_matrix", "1..6"),
        ("items:\n  - {id: fees, severity: urgent}\n", "items[fees].severity", "Input should be"),
        (
            "items:\n  - {id: fees, cues: [{all: [no_such_concept]}]}\n",
            "items[fees].cues[0].all[0]",
            "unknown concept",
        ),
        ("concepts:\n  fee: [떼]\n", "concepts.fee", "one syllable"),
        ("concepts:\n  fee: ['re:(unclosed']\n", "concepts.fee", "bad regular expression"),
        ("items:\n  - {id: fees, applies: {colour: red}}\n", "items[fees].applies.colour", "unknown fact"),
        ("remove_items: [nothing_here]\n", "remove_items", "no item"),
        ("version: [1\n", "", "not valid YAML"),
        (
            "items:\n  - {id: Bad-Id, title: x, severity: low, source: fcpa_19, cues: [{all: [fee]}]}\n",
            "items[Bad-Id].id",
            "pattern",
        ),
    ],
)
def test_a_broken_rulebook_is_refused_naming_the_field(
    tmp_path: Path, content: str, field: str, reason: str
) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulebookError) as caught:
        load_rulebook(path)
    assert caught.value.source == str(path)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_a_missing_rulebook_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="file not found"):
        load_rulebook(tmp_path / "nope.yaml")

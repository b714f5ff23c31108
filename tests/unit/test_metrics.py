"""Evaluation metrics: what counts as a hit, and what the people-facing summary shows."""

from __future__ import annotations

import json

import pytest

from wanjeon.consultation.case import Expected
from wanjeon.evaluation.metrics import (
    CaseOutcome,
    EvalSummary,
    PrecisionRecall,
    evaluate,
    format_summary,
    summary_to_dict,
)
from wanjeon.verification.report import (
    Evidence,
    ItemResult,
    ItemStatus,
    Report,
    Suitability,
    Verdict,
    ViolationResult,
)


def item(item_id: str, status: str, *, confidence: float = 0.9, method: str = "semantic") -> ItemResult:
    evidence = (Evidence(segment=3, speaker="agent", text="…"),) if status == "covered" else ()
    return ItemResult(
        id=item_id,
        status=ItemStatus(status),
        severity="high",
        confirmed=None,
        confidence=confidence,
        method=method,
        source="금융소비자보호법 제19조",
        evidence=evidence,
    )


def violation(
    violation_id: str, segment: int = 7, text: str = "원금은 지켜진다고 보시면 돼요"
) -> ViolationResult:
    return ViolationResult(
        id=violation_id,
        principle="unfair_solicitation",
        severity="high",
        segment=segment,
        text=text,
        start=None,
        end=None,
        confidence=0.9,
        method="pattern",
        source="금융소비자보호법 제21조",
    )


def report(verdict: str, items: dict[str, str], violations: tuple[str, ...] = ()) -> Report:
    return Report(
        verdict=Verdict(verdict),
        rulebook_version="test",
        items=tuple(item(k, v) for k, v in items.items()),
        violations=tuple(violation(v) for v in violations),
        suitability=Suitability(investor_type=None, risk_grade=None, suitable=None),
        summary="",
    )


def outcome(
    name: str,
    expected: tuple[str | None, dict[str, str], tuple[str, ...]],
    judged: tuple[str, dict[str, str], tuple[str, ...]],
) -> CaseOutcome:
    verdict, items, violations = expected
    return CaseOutcome(name, Expected(verdict=verdict, items=items, violations=violations), report(*judged))


PERFECT = outcome(
    "perfect",
    (
        "fail",
        {"fees": "missing", "risk_grade": "incorrect", "recording_notice": "covered"},
        ("misinformation",),
    ),
    (
        "fail",
        {"fees": "missing", "risk_grade": "incorrect", "recording_notice": "covered"},
        ("misinformation",),
    ),
)


def test_a_perfect_report_scores_one_everywhere() -> None:
    summary = evaluate([PERFECT])

    assert (summary.gaps.tp, summary.gaps.fp, summary.gaps.fn) == (2, 0, 0)
    assert summary.gaps.f1 == 1.0
    assert summary.violations.f1 == 1.0
    assert summary.verdict_accuracy == 1.0
    assert summary.item_sets_exact == 1
    assert summary.cases_with_discrepancies == ()


def test_a_missing_item_judged_incorrect_is_not_a_true_positive() -> None:
    case = outcome("d", ("review", {"fees": "missing"}, ()), ("review", {"fees": "incorrect"}, ()))

    summary = evaluate([case])

    assert (summary.gaps.tp, summary.gaps.fp, summary.gaps.fn) == (0, 1, 1)
    assert summary.gap_status_mismatches == 1


def test_a_gap_judged_covered_is_a_false_negative_and_says_why() -> None:
    case = outcome("d07", ("review", {"fees": "missing"}, ()), ("pass", {"fees": "covered"}, ()))

    summary = evaluate([case])

    assert (summary.gaps.tp, summary.gaps.fp, summary.gaps.fn) == (0, 0, 1)
    assert summary.gaps.precision == 1.0
    assert summary.gaps.recall == 0.0
    (evaluation,) = summary.cases
    assert (
        "item fees: expected missing, judged covered (confidence 0.90, method semantic"
        in (evaluation.discrepancies[1])
    )


def test_violations_are_counted_as_multisets() -> None:
    case = outcome(
        "d",
        ("fail", {}, ("risk_denial", "risk_denial", "tying")),
        ("fail", {}, ("risk_denial", "undue_pressure", "undue_pressure")),
    )

    summary = evaluate([case])

    assert summary.violations == PrecisionRecall(tp=1, fp=2, fn=2)
    (evaluation,) = summary.cases
    assert "violation risk_denial: expected 2, found 1" in evaluation.discrepancies
    assert any(
        d.startswith("violation undue_pressure: expected 0, found 2 (segment 7")
        for d in evaluation.discrepancies
    )


def test_empty_sides_give_the_vacuous_scores() -> None:
    clean = outcome("clean", ("pass", {"fees": "covered"}, ()), ("pass", {"fees": "covered"}, ()))

    summary = evaluate([clean])

    assert summary.gaps.precision == summary.gaps.recall == summary.gaps.f1 == 1.0
    assert PrecisionRecall(0, 0, 3).f1 == 0.0


def test_a_should_fail_case_judged_pass_is_named_and_ranked_first() -> None:
    many_small = outcome(
        "many-small",
        ("review", {"fees": "missing", "premium": "missing", "coverage": "covered"}, ()),
        ("review", {"fees": "covered", "premium": "covered", "coverage": "missing"}, ()),
    )
    review_judged_fail = outcome("review-judged-fail", ("review", {}, ()), ("fail", {}, ()))
    judged_pass = outcome(
        "d02", ("fail", {"fees": "covered"}, ("guaranteed_principal",)), ("pass", {"fees": "covered"}, ())
    )
    judged_review = outcome(
        "d03", ("fail", {"cooling_off": "missing"}, ()), ("review", {"cooling_off": "missing"}, ())
    )

    summary = evaluate([many_small, review_judged_fail, judged_pass, judged_review, PERFECT])

    assert summary.should_fail_judged_pass == ("d02",)
    assert summary.should_fail_not_failed == ("d02", "d03")
    assert [c.name for c in summary.cases_with_discrepancies] == [
        "d02",
        "d03",
        "review-judged-fail",
        "many-small",
    ]
    assert summary.cases[0].discrepancies == (
        "verdict: expected fail, judged pass",
        "violation guaranteed_principal: expected 1, found 0",
    )


def test_the_verdict_confusion_table_counts_expected_against_judged() -> None:
    cases = [
        outcome("a", ("fail", {}, ()), ("pass", {}, ())),
        outcome("b", ("fail", {}, ()), ("fail", {}, ())),
        outcome("c", ("review", {}, ()), ("review", {}, ())),
        outcome("unlabelled", (None, {}, ()), ("review", {}, ())),
    ]

    summary = evaluate(cases)

    assert summary.verdict_confusion["fail"] == {"pass": 1, "review": 0, "fail": 1}
    assert summary.verdict_confusion["review"]["review"] == 1
    assert (summary.verdict_correct, summary.verdict_labelled) == (2, 3)
    assert summary.verdict_accuracy == pytest.approx(2 / 3)


def test_an_item_set_differing_from_the_labels_is_not_exact() -> None:
    extra = outcome(
        "extra", ("pass", {"fees": "covered"}, ()), ("pass", {"fees": "covered", "premium": "covered"}, ())
    )
    absent = outcome("absent", ("fail", {"fees": "missing"}, ()), ("pass", {}, ()))

    summary = evaluate([extra, absent, PERFECT])

    assert summary.item_sets_exact == 1
    assert summary.item_set_accuracy == pytest.approx(1 / 3)
    assert summary.gaps.fn == 1 + 0 + 0
    by_name = {c.name: c for c in summary.cases}
    assert any("premium: not required by the labels" in d for d in by_name["extra"].discrepancies)
    assert "item fees: expected missing, not in the report" in by_name["absent"].discrepancies


def test_the_summary_ends_with_the_compact_headline() -> None:
    judged_pass = outcome(
        "d02", ("fail", {"fees": "covered"}, ("guaranteed_principal",)), ("pass", {"fees": "covered"}, ())
    )
    text = format_summary(evaluate([judged_pass, PERFECT]))

    last = text.splitlines()[-1]
    assert last.startswith(
        "gaps P=1.000 R=1.000 F1=1.000 | violations P=1.000 R=0.500 F1=0.667 | verdict acc=0.500"
    )
    assert last.endswith("| item sets exact 2/2 | should-fail judged pass: 1")
    tail = "\n".join(text.splitlines()[-8:])
    assert "should-fail judged pass: 1 (d02)" in tail


def test_the_summary_lists_only_cases_with_discrepancies_up_to_the_worst_limit() -> None:
    flawed = [outcome(f"case-{i}", ("pass", {}, ()), ("review", {}, ())) for i in range(4)]

    text = format_summary(evaluate([*flawed, PERFECT]), worst=2)

    assert "worst cases (2 of 4 with discrepancies):" in text
    assert "  case-0: expected pass, judged review" in text
    assert "  … and 2 more: case-2, case-3" in text
    assert "perfect:" not in text


def test_a_clean_run_says_there_are_no_discrepancies() -> None:
    assert "no discrepancies" in format_summary(evaluate([PERFECT]))


def test_the_summary_dict_is_json_ready() -> None:
    summary: EvalSummary = evaluate(
        [PERFECT, outcome("d", ("review", {"fees": "missing"}, ()), ("pass", {}, ()))]
    )

    data = json.loads(json.dumps(summary_to_dict(summary)))

    assert data["cases"] == 2
    assert data["gaps"] == {
        "tp": 2,
        "fp": 0,
        "fn": 1,
        "precision": 1.0,
        "recall": 0.6667,
        "f1": 0.8,
        "status_mismatches": 0,
    }
    assert data["verdict"]["confusion"]["review"]["pass"] == 1
    assert data["case_results"][0]["name"] == "d"
    assert data["item_sets"] == {"exact": 1, "total": 2, "accuracy": 0.5}

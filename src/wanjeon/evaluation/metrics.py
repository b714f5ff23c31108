"""How well reports agree with labelled cases: gaps, violations, verdicts, item sets.

Why these numbers: a reviewer acts on *gaps* (items missing or explained wrongly) and
*violations*, and a compliance team acts on the *verdict*. The costliest error is a
consultation that should fail being passed, so that count is reported by name and is
always the last thing printed. Everything here is pure arithmetic over
``Expected`` labels and ``Report`` objects; nothing runs the engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wanjeon.consultation.case import Expected
from wanjeon.verification.report import ItemResult, Report, ViolationResult

__all__ = [
    "VERDICTS",
    "CaseEvaluation",
    "CaseOutcome",
    "EvalSummary",
    "PrecisionRecall",
    "evaluate",
    "format_summary",
    "summary_to_dict",
]

VERDICTS: tuple[str, ...] = ("pass", "review", "fail")
"""Verdict labels in the order tables show them, mildest first."""

_GAP_STATUSES = frozenset({"missing", "incorrect"})
_QUOTE_CHARS = 40


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """One labelled case and the report the engine produced for it."""

    name: str
    expected: Expected
    report: Report


@dataclass(frozen=True, slots=True)
class PrecisionRecall:
    """Counts and the derived precision/recall/F1.

    Conventions for empty denominators: with no predictions precision is 1.0 (nothing
    was claimed wrongly); with nothing expected recall is 1.0 (nothing was missed). So a
    set of clean cases judged clean scores 1.0 everywhere, and F1 is 0 when either side
    is 0.
    """

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True, slots=True)
class CaseEvaluation:
    """Everything that differs between one case's labels and its report, worded for people."""

    name: str
    expected_verdict: str | None
    judged_verdict: str
    discrepancies: tuple[str, ...]
    item_set_exact: bool

    @property
    def should_fail_judged_pass(self) -> bool:
        return self.expected_verdict == "fail" and self.judged_verdict == "pass"

    @property
    def verdict_mismatch(self) -> bool:
        return self.expected_verdict is not None and self.expected_verdict != self.judged_verdict

    def severity_key(self) -> tuple[int, int, int, str]:
        """Sort key, worst first: fail judged pass, then any verdict mismatch, then the
        number of discrepancies; the name breaks ties so the order is stable."""
        return (
            -int(self.should_fail_judged_pass),
            -int(self.verdict_mismatch),
            -len(self.discrepancies),
            self.name,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expected_verdict": self.expected_verdict,
            "judged_verdict": self.judged_verdict,
            "item_set_exact": self.item_set_exact,
            "discrepancies": list(self.discrepancies),
        }


@dataclass(frozen=True, slots=True)
class EvalSummary:
    """The result of :func:`evaluate`. ``cases`` is ordered worst first."""

    case_count: int
    gaps: PrecisionRecall
    gap_status_mismatches: int
    """Gaps found on the right item but with the other status (missing vs incorrect); each
    is also counted once as a false positive and once as a false negative."""
    violations: PrecisionRecall
    verdict_correct: int
    verdict_labelled: int
    verdict_confusion: dict[str, dict[str, int]]
    """``verdict_confusion[expected][judged]`` → number of cases."""
    item_sets_exact: int
    item_status_agreeing: int
    item_status_labelled: int
    should_fail_judged_pass: tuple[str, ...]
    should_fail_not_failed: tuple[str, ...]
    cases: tuple[CaseEvaluation, ...] = field(default=())

    @property
    def verdict_accuracy(self) -> float:
        return self.verdict_correct / self.verdict_labelled if self.verdict_labelled else 1.0

    @property
    def item_set_accuracy(self) -> float:
        return self.item_sets_exact / self.case_count if self.case_count else 1.0

    @property
    def item_status_accuracy(self) -> float:
        """Share of labelled items the report gives the same status (covered included)."""
        return self.item_status_agreeing / self.item_status_labelled if self.item_status_labelled else 1.0

    @property
    def cases_with_discrepancies(self) -> tuple[CaseEvaluation, ...]:
        return tuple(c for c in self.cases if c.discrepancies)


# --- evaluation -----------------------------------------------------------------------


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1] + "…"


def _judgment(item: ItemResult) -> str:
    """Why the engine said what it said, in a few words: confidence, method, evidence."""
    parts = [f"confidence {item.confidence:.2f}", f"method {item.method}"]
    if item.evidence:
        parts.append(f"evidence segment {item.evidence[0].segment}")
    elif item.nearest is not None:
        score = f" score {item.nearest_score:.2f}" if item.nearest_score is not None else ""
        parts.append(f"nearest segment {item.nearest.segment}{score}")
    return ", ".join(parts)


def _where(violations: Sequence[ViolationResult]) -> str:
    shown = ", ".join(f"segment {v.segment}: '{_quote(v.text)}'" for v in violations[:2])
    more = f", +{len(violations) - 2} more" if len(violations) > 2 else ""
    return f" ({shown}{more})" if shown else ""


def _item_discrepancies(expected: dict[str, str], report: Report) -> list[str]:
    out: list[str] = []
    judged = {item.id: item for item in report.items}
    for item_id, status in expected.items():
        item = judged.get(item_id)
        if item is None:
            out.append(f"item {item_id}: expected {status}, not in the report")
        elif str(item.status) != status:
            out.append(f"item {item_id}: expected {status}, judged {item.status} ({_judgment(item)})")
    for item_id, item in judged.items():
        if item_id not in expected:
            out.append(
                f"item {item_id}: not required by the labels, judged {item.status} ({_judgment(item)})"
            )
    return out


def _violation_discrepancies(expected: Counter[str], report: Report) -> list[str]:
    found = Counter(v.id for v in report.violations)
    out: list[str] = []
    for violation_id in sorted(expected.keys() | found.keys()):
        want, got = expected[violation_id], found[violation_id]
        if want != got:
            extra = [v for v in report.violations if v.id == violation_id] if got > want else []
            out.append(f"violation {violation_id}: expected {want}, found {got}{_where(extra)}")
    return out


def _evaluate_case(outcome: CaseOutcome) -> CaseEvaluation:
    expected, report = outcome.expected, outcome.report
    judged_verdict = str(report.verdict)
    discrepancies: list[str] = []
    if expected.verdict is not None and expected.verdict != judged_verdict:
        discrepancies.append(f"verdict: expected {expected.verdict}, judged {judged_verdict}")
    discrepancies += _item_discrepancies(expected.items, report)
    discrepancies += _violation_discrepancies(Counter(expected.violations), report)
    return CaseEvaluation(
        name=outcome.name,
        expected_verdict=expected.verdict,
        judged_verdict=judged_verdict,
        discrepancies=tuple(discrepancies),
        item_set_exact={item.id for item in report.items} == set(expected.items),
    )


def evaluate(results: Sequence[CaseOutcome]) -> EvalSummary:
    """Compare every report with its labels.

    Gaps are ``(case, item_id)`` pairs whose status is ``missing`` or ``incorrect``; a
    predicted gap is a true positive only when its status matches the label too, because
    "explained wrongly" and "not explained" call for different corrections. Violations
    are compared as multisets of ``(case, violation_id)``, since one act can recur.
    Verdict accuracy counts only cases that carry a verdict label; item-set accuracy
    counts every case (the labels list every required item, formats.md).
    """
    gap_tp = gap_fp = gap_fn = status_mismatches = 0
    vio_tp = vio_fp = vio_fn = 0
    confusion = {e: dict.fromkeys(VERDICTS, 0) for e in VERDICTS}
    verdict_correct = verdict_labelled = 0
    item_sets_exact = items_agreeing = items_labelled = 0
    judged_pass: list[str] = []
    not_failed: list[str] = []

    for outcome in results:
        expected, report = outcome.expected, outcome.report
        statuses = {item.id: str(item.status) for item in report.items}

        expected_gaps = {k: v for k, v in expected.items.items() if v in _GAP_STATUSES}
        predicted_gaps = {k: v for k, v in statuses.items() if v in _GAP_STATUSES}
        tp = sum(1 for k, v in predicted_gaps.items() if expected_gaps.get(k) == v)
        status_mismatches += sum(
            1 for k, v in predicted_gaps.items() if k in expected_gaps and expected_gaps[k] != v
        )
        gap_tp += tp
        gap_fp += len(predicted_gaps) - tp
        gap_fn += len(expected_gaps) - tp

        want = Counter(expected.violations)
        got = Counter(v.id for v in report.violations)
        matched = sum((want & got).values())
        vio_tp += matched
        vio_fp += sum(got.values()) - matched
        vio_fn += sum(want.values()) - matched

        judged = str(report.verdict)
        if expected.verdict is not None:
            verdict_labelled += 1
            verdict_correct += expected.verdict == judged
            confusion.setdefault(expected.verdict, dict.fromkeys(VERDICTS, 0))
            row = confusion[expected.verdict]
            row[judged] = row.get(judged, 0) + 1
            if expected.verdict == "fail" and judged != "fail":
                not_failed.append(outcome.name)
                if judged == "pass":
                    judged_pass.append(outcome.name)

        item_sets_exact += set(statuses) == set(expected.items)
        items_labelled += len(expected.items)
        items_agreeing += sum(1 for k, v in expected.items.items() if statuses.get(k) == v)

    cases = sorted((_evaluate_case(o) for o in results), key=CaseEvaluation.severity_key)
    return EvalSummary(
        case_count=len(results),
        gaps=PrecisionRecall(gap_tp, gap_fp, gap_fn),
        gap_status_mismatches=status_mismatches,
        violations=PrecisionRecall(vio_tp, vio_fp, vio_fn),
        verdict_correct=verdict_correct,
        verdict_labelled=verdict_labelled,
        verdict_confusion=confusion,
        item_sets_exact=item_sets_exact,
        item_status_agreeing=items_agreeing,
        item_status_labelled=items_labelled,
        should_fail_judged_pass=tuple(judged_pass),
        should_fail_not_failed=tuple(not_failed),
        cases=tuple(cases),
    )


# --- output ---------------------------------------------------------------------------


def _prf(pr: PrecisionRecall) -> str:
    return f"P={pr.precision:.3f} R={pr.recall:.3f} F1={pr.f1:.3f}"


def _names(names: Sequence[str]) -> str:
    return f" ({', '.join(names)})" if names else ""


def _confusion_lines(summary: EvalSummary) -> list[str]:
    columns = list(VERDICTS) + sorted(
        {j for row in summary.verdict_confusion.values() for j in row} - set(VERDICTS)
    )
    rows = list(VERDICTS) + sorted(set(summary.verdict_confusion) - set(VERDICTS))
    width = max(len(c) for c in [*columns, "expected"]) + 2
    lines = [
        "verdicts (rows expected, columns judged):",
        "".rjust(width) + "".join(c.rjust(width) for c in columns),
    ]
    for expected in rows:
        row = summary.verdict_confusion.get(expected, {})
        lines.append(expected.rjust(width) + "".join(str(row.get(c, 0)).rjust(width) for c in columns))
    return lines


def _headline_lines(summary: EvalSummary) -> list[str]:
    """The closing block: at most 7 lines, the last one a single compact line, because a
    hook shows only ``tail -n 8`` of the output."""
    g, v = summary.gaps, summary.violations
    judged_pass = summary.should_fail_judged_pass
    return [
        f"cases {summary.case_count} | item statuses agree "
        f"{summary.item_status_agreeing}/{summary.item_status_labelled} ({summary.item_status_accuracy:.3f})",
        f"gaps {_prf(g)} (tp {g.tp}, fp {g.fp}, fn {g.fn}; "
        f"{summary.gap_status_mismatches} on the right item with the other status)",
        f"violations {_prf(v)} (tp {v.tp}, fp {v.fp}, fn {v.fn})",
        f"verdict acc={summary.verdict_accuracy:.3f} ({summary.verdict_correct}/{summary.verdict_labelled})"
        f" | should-fail not failed: {len(summary.should_fail_not_failed)}"
        f"{_names(summary.should_fail_not_failed)}",
        f"should-fail judged pass: {len(judged_pass)}{_names(judged_pass)}",
        f"gaps {_prf(g)} | violations {_prf(v)} | verdict acc={summary.verdict_accuracy:.3f} | "
        f"item sets exact {summary.item_sets_exact}/{summary.case_count} | "
        f"should-fail judged pass: {len(judged_pass)}",
    ]


def format_summary(summary: EvalSummary, *, worst: int = 5) -> str:
    """Plain text for people: verdict table, the ``worst`` cases with every discrepancy,
    then the headline numbers last (so ``tail`` of a long run still shows them)."""
    lines = [f"wanjeon evaluation: {summary.case_count} cases", ""]
    lines += _confusion_lines(summary)
    flawed = summary.cases_with_discrepancies
    if flawed and worst > 0:
        shown = flawed[:worst]
        lines += ["", f"worst cases ({len(shown)} of {len(flawed)} with discrepancies):"]
        for case in shown:
            marker = "  !! should fail, judged pass" if case.should_fail_judged_pass else ""
            lines.append(
                f"  {case.name}: expected {case.expected_verdict}, judged {case.judged_verdict}{marker}"
            )
            lines += [f"    - {d}" for d in case.discrepancies]
        if len(flawed) > len(shown):
            rest = ", ".join(c.name for c in flawed[len(shown) :])
            lines.append(f"  … and {len(flawed) - len(shown)} more: {rest}")
    elif not flawed:
        lines += ["", "no discrepancies"]
    lines.append("")
    lines += _headline_lines(summary)
    return "\n".join(lines)


def summary_to_dict(summary: EvalSummary) -> dict[str, Any]:
    """A JSON-ready dict of the whole summary (all cases, worst first)."""
    return {
        "cases": summary.case_count,
        "gaps": {**summary.gaps.to_dict(), "status_mismatches": summary.gap_status_mismatches},
        "violations": summary.violations.to_dict(),
        "verdict": {
            "accuracy": round(summary.verdict_accuracy, 4),
            "correct": summary.verdict_correct,
            "labelled": summary.verdict_labelled,
            "confusion": {e: dict(row) for e, row in summary.verdict_confusion.items()},
        },
        "item_sets": {
            "exact": summary.item_sets_exact,
            "total": summary.case_count,
            "accuracy": round(summary.item_set_accuracy, 4),
        },
        "item_statuses": {
            "agreeing": summary.item_status_agreeing,
            "labelled": summary.item_status_labelled,
            "accuracy": round(summary.item_status_accuracy, 4),
        },
        "should_fail_judged_pass": list(summary.should_fail_judged_pass),
        "should_fail_not_failed": list(summary.should_fail_not_failed),
        "case_results": [c.to_dict() for c in summary.cases],
    }

"""The verdict policy, applied: fail, review or pass, with the reasons for it."""

from __future__ import annotations

from wanjeon.rulebook.model import Rulebook, Severity
from wanjeon.verification.report import Flag, ItemResult, ItemStatus, Verdict, ViolationResult


def decide(
    rulebook: Rulebook,
    items: list[ItemResult],
    violations: list[ViolationResult],
    flags: list[Flag] | None = None,
) -> tuple[Verdict, tuple[str, ...]]:
    policy = rulebook.verdict
    threshold = rulebook.confidence_threshold
    fail: list[str] = []
    review: list[str] = []
    for item in items:
        severity = Severity(item.severity)
        if item.status is not ItemStatus.COVERED:
            line = f"{item.severity} item {item.id} {item.status}"
            if severity in policy.fail_item_severities:
                fail.append(line)
            elif severity in policy.review_item_severities:
                review.append(line)
        elif item.confirmed is False and policy.review_unconfirmed:
            review.append(f"item {item.id} not confirmed by the customer")
        if policy.review_low_confidence and item.confidence < threshold:
            review.append(f"item {item.id} judged with low confidence ({item.confidence:.2f})")
    for v in violations:
        severity = Severity(v.severity)
        line = f"{v.severity} violation {v.id} at segment {v.segment}"
        if severity in policy.fail_violation_severities:
            fail.append(line)
        elif severity in policy.review_violation_severities:
            review.append(line)
        if policy.review_low_confidence and v.confidence < threshold:
            review.append(f"violation {v.id} judged with low confidence ({v.confidence:.2f})")
    if policy.review_suspicions:
        review.extend(f"{flag.note} at segment {flag.segment}" for flag in flags or [])
    if fail:
        return Verdict.FAIL, tuple(fail + review)
    if review:
        return Verdict.REVIEW, tuple(review)
    return Verdict.PASS, ()


def summarise(rulebook: Rulebook, items: list[ItemResult], violations: list[ViolationResult]) -> str:
    """One Korean line for the queue: 필수 설명 12개 중 11개 이행, 부당권유 1건."""
    covered = sum(1 for i in items if i.status is ItemStatus.COVERED)
    parts = [f"필수 설명 {len(items)}개 중 {covered}개 이행"]
    incorrect = sum(1 for i in items if i.status is ItemStatus.INCORRECT)
    if incorrect:
        parts.append(f"잘못된 설명 {incorrect}개")
    labels = rulebook.settings.get("principle_labels", {})
    counts: dict[str, int] = {}
    for v in violations:
        label = str(labels.get(v.principle, v.principle))
        counts[label] = counts.get(label, 0) + 1
    parts.extend(f"{label} {n}건" for label, n in counts.items())
    if not violations:
        parts.append("위반 없음")
    return ", ".join(parts)

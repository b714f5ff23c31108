"""The verification report: every judgment with its evidence, method and confidence.

``Report.to_dict()`` is the public JSON of ``formats.md`` ("Verification report").
Fields beyond the spec (``method``, ``confidence``, ``matched``, ``source``, ``due``,
``nearest``) are additions a reviewer needs to see *why*; none changes a spec field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"


class ItemStatus(StrEnum):
    COVERED = "covered"
    MISSING = "missing"
    INCORRECT = "incorrect"


@dataclass(frozen=True, slots=True)
class Evidence:
    """A stretch of the transcript that supports a judgment."""

    segment: int
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    matched: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "segment": self.segment,
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "text": self.text,
            "matched": self.matched,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Span:
    """Where a missing item was due: segments ``first``..``last`` inclusive."""

    first: int
    last: int
    start: float | None
    end: float | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_segment": self.first,
            "last_segment": self.last,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ItemResult:
    id: str
    status: ItemStatus
    severity: str
    confirmed: bool | None
    confidence: float
    method: str
    source: str
    evidence: tuple[Evidence, ...] = ()
    due: Span | None = None
    nearest: Evidence | None = None
    nearest_score: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": str(self.status),
            "severity": self.severity,
            "confirmed": self.confirmed,
            "confidence": round(self.confidence, 3),
            "method": self.method,
            "source": self.source,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.due is not None:
            out["due"] = self.due.to_dict()
        if self.nearest is not None:
            out["nearest"] = {**self.nearest.to_dict(), "score": self.nearest_score}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class ViolationResult:
    id: str
    principle: str
    severity: str
    segment: int
    text: str
    start: float | None
    end: float | None
    confidence: float
    method: str
    source: str
    matched: str = ""
    evidence: tuple[Evidence, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "principle": self.principle,
            "severity": self.severity,
            "segment": self.segment,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "matched": self.matched,
            "confidence": round(self.confidence, 3),
            "method": self.method,
            "source": self.source,
        }
        if self.evidence:
            out["evidence"] = [e.to_dict() for e in self.evidence]
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Flag:
    """A near miss: words close to a prohibited act that no pattern confirmed.

    Not a violation (it is not counted as one); it sends the consultation to a
    person instead of letting it pass, with the stretch to listen to.
    """

    violation: str
    segment: int
    text: str
    start: float | None
    end: float | None
    matched: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "violation": self.violation,
            "segment": self.segment,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "matched": self.matched,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Suitability:
    investor_type: str | None
    risk_grade: int | None
    suitable: bool | None
    limit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "investor_type": self.investor_type,
            "risk_grade": self.risk_grade,
            "suitable": self.suitable,
            "limit": self.limit,
        }


@dataclass(frozen=True, slots=True)
class Report:
    verdict: Verdict
    rulebook_version: str
    items: tuple[ItemResult, ...]
    violations: tuple[ViolationResult, ...]
    suitability: Suitability
    summary: str
    reasons: tuple[str, ...] = field(default=())
    flags: tuple[Flag, ...] = field(default=())

    def item(self, item_id: str) -> ItemResult | None:
        return next((i for i in self.items if i.id == item_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "rulebook_version": self.rulebook_version,
            "items": [i.to_dict() for i in self.items],
            "violations": [v.to_dict() for v in self.violations],
            "suitability": self.suitability.to_dict(),
            "summary": self.summary,
            "reasons": list(self.reasons),
            "flags": [f.to_dict() for f in self.flags],
        }

"""The text report: for people at a terminal, verdict first, then what needs a look.

Gaps and violations come with the quoted words and the time they were said, so a
reviewer can jump to the recording; covered items are one line each at the end.
"""

from __future__ import annotations

import typer

from wanjeon.consultation.case import Case
from wanjeon.verification.report import Evidence, ItemResult, ItemStatus, Report, Verdict

_VERDICT_COLOURS = {
    Verdict.PASS: typer.colors.GREEN,
    Verdict.REVIEW: typer.colors.YELLOW,
    Verdict.FAIL: typer.colors.RED,
}
_VERDICT_WORDS = {
    Verdict.PASS: "PASS 완전판매",
    Verdict.REVIEW: "REVIEW 검토 필요",
    Verdict.FAIL: "FAIL 불완전판매",
}


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def _quote(ev: Evidence, width: int = 90) -> str:
    text = ev.text if len(ev.text) <= width else ev.text[: width - 1] + "…"
    who = {"agent": "직원", "customer": "고객"}.get(ev.speaker, "화자미상")
    return f"[#{ev.segment} {clock(ev.start)}] {who}: “{text}”"


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, fg: str | None = None, bold: bool = False) -> str:
        return typer.style(text, fg=fg, bold=bold) if self.color else text


def _gap_lines(item: ItemResult, paint: _Painter) -> list[str]:
    colour = typer.colors.RED if item.severity == "high" else typer.colors.YELLOW
    lines = [
        paint(f"  ✗ {item.id} — {item.status} ({item.severity})", colour, bold=True)
        + f"  confidence {item.confidence:.2f}"
    ]
    if item.note:
        lines.append(f"      why: {item.note}")
    for ev in item.evidence:
        lines.append(f"      {_quote(ev)}")
        if ev.matched:
            lines.append(f"        matched: {ev.matched}")
    if item.status is ItemStatus.MISSING:
        if item.due is not None:
            lines.append(
                f"      due: segments #{item.due.first}–#{item.due.last} "
                f"({clock(item.due.start)}–{clock(item.due.end)}), {item.due.reason}"
            )
        if item.nearest is not None:
            lines.append(f"      nearest attempt ({item.nearest_score:.2f}): {_quote(item.nearest)}")
            if item.nearest.note:
                lines.append(f"        {item.nearest.note}")
        else:
            lines.append("      nearest attempt: none — nothing close was said")
    return lines


def render_report(report: Report, case: Case | None = None, *, color: bool = False) -> str:
    paint = _Painter(color)
    out = [
        paint(_VERDICT_WORDS[report.verdict], _VERDICT_COLOURS[report.verdict], bold=True)
        + f"  {report.summary}"
    ]
    if case is not None:
        p = case.product
        who = f"{case.customer.age}세 {case.customer.investor_type}" if case.customer else "고객 정보 없음"
        out.append(
            f"{p.name} ({p.kind}, 위험등급 {p.risk_grade or '-'}) · {who} · "
            f"{case.context.channel} · {'권유' if case.context.recommended else '고객 요청'}"
        )
    out.append(f"rulebook {report.rulebook_version}")
    s = report.suitability
    if s.suitable is not None:
        word = "적합" if s.suitable else paint("부적합", typer.colors.RED, bold=True)
        out.append(f"suitability: {s.investor_type} (limit grade {s.limit}) vs grade {s.risk_grade} → {word}")
    gaps = [i for i in report.items if i.status is not ItemStatus.COVERED]
    if report.flags:
        out += ["", paint(f"To listen to ({len(report.flags)}): near misses no rule confirmed", bold=True)]
        for flag in report.flags:
            out.append(paint(f"  ? {flag.note}", typer.colors.YELLOW))
            out.append(
                f"      [#{flag.segment} {clock(flag.start)}] “{flag.text}”  (matched: {flag.matched})"
            )
    if report.violations:
        out += ["", paint(f"Violations ({len(report.violations)})", bold=True)]
        for v in report.violations:
            colour = typer.colors.RED if v.severity == "high" else typer.colors.YELLOW
            out.append(
                paint(f"  ✗ {v.id} — {v.principle} ({v.severity})", colour, bold=True)
                + f"  confidence {v.confidence:.2f}"
            )
            who = "직원"
            out.append(f"      [#{v.segment} {clock(v.start)}] {who}: “{v.text}”")
            if v.matched:
                out.append(f"        matched: {v.matched}  ({v.method})")
            if v.note:
                out.append(f"        {v.note}")
            for ev in v.evidence:
                out.append(f"        {ev.note}: {_quote(ev)}")
    if gaps:
        out += ["", paint(f"Missing or incorrect explanations ({len(gaps)})", bold=True)]
        for item in gaps:
            out += _gap_lines(item, paint)
    unconfirmed = [i for i in report.items if i.status is ItemStatus.COVERED and i.confirmed is False]
    if unconfirmed:
        out += ["", paint("Explained but not confirmed by the customer", bold=True)]
        out += [f"  ? {i.id}: " + (_quote(i.evidence[0]) if i.evidence else "") for i in unconfirmed]
    covered = [i for i in report.items if i.status is ItemStatus.COVERED]
    if covered:
        out += ["", paint(f"Covered ({len(covered)} of {len(report.items)})", bold=True)]
        for i in covered:
            first = i.evidence[0] if i.evidence else None
            mark = " ✓confirmed" if i.confirmed else ""
            where = f"#{first.segment} {clock(first.start)} “{first.matched}”" if first else ""
            out.append(f"  {paint('✓', typer.colors.GREEN)} {i.id:<22} {where}{mark}  ({i.confidence:.2f})")
    if report.reasons:
        out += ["", "verdict because: " + "; ".join(report.reasons)]
    return "\n".join(out)

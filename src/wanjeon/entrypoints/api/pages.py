"""The report as a page a reviewer reads: Jinja2, escaped, no JavaScript needed."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from wanjeon.consultation.lifecycle import Consultation
from wanjeon.entrypoints.api.schemas import VerificationRead


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("wanjeon.entrypoints.api", "templates"), autoescape=select_autoescape(["html"])
    )
    env.filters["clock"] = _clock
    return env


def _clock(seconds: Any) -> str:
    if seconds is None:
        return "--:--"
    minutes, secs = divmod(int(float(seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def render_report_page(consultation: Consultation, verification: VerificationRead) -> str:
    report = verification.report
    gaps = [i for i in report["items"] if i["status"] != "covered"]
    covered = [i for i in report["items"] if i["status"] == "covered"]
    return (
        _env()
        .get_template("report.html")
        .render(
            consultation=consultation,
            verification=verification,
            report=report,
            gaps=gaps,
            covered=covered,
        )
    )

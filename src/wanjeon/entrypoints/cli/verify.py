"""``wanjeon verify``: one consultation, or every case file in a directory."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from wanjeon.consultation.case import Case
from wanjeon.consultation.model import SaleContext
from wanjeon.errors import InputError


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"


def _load_single(transcript: Path, product: Path | None, customer: Path | None, context: Path | None) -> Case:
    from wanjeon.adapters.files import load_case, load_context, load_customer, load_product, load_transcript

    if product is None:
        if transcript.suffix.lower() in (".yaml", ".yml"):
            case = load_case(transcript)
            if customer is not None or context is not None:
                raise InputError(
                    str(transcript), "", "--customer/--context need --product; a case file carries its own"
                )
            return case
        raise InputError(str(transcript), "", "--product is required (or pass a case file)")
    return Case(
        name=transcript.stem,
        product=load_product(product),
        transcript=load_transcript(transcript),
        customer=load_customer(customer) if customer else None,
        context=load_context(context) if context else SaleContext(),
    )


def register(app: typer.Typer) -> None:
    from wanjeon.entrypoints.cli.app import reports_input_errors

    @app.command()
    @reports_input_errors
    def verify(
        transcript: Path | None = typer.Argument(
            None,
            help="Transcript (JSON/YAML, SPEAKER: text, WebVTT, SRT) or a case file.",
            show_default=False,
        ),
        product: Path | None = typer.Option(None, "--product", "-p", help="Product file (YAML or JSON)."),
        customer: Path | None = typer.Option(None, "--customer", "-c", help="Customer file."),
        context: Path | None = typer.Option(None, "--context", help="Sale context file."),
        batch: Path | None = typer.Option(None, "--batch", help="Verify every *.yaml case file in DIR."),
        fmt: Format | None = typer.Option(
            None, "--format", "-f", help="text (default), json, or jsonl (batch)."
        ),
        rulebook: Path | None = typer.Option(
            None, "--rulebook", help="A rulebook YAML extending the built-in one."
        ),
        color: bool | None = typer.Option(
            None, "--color/--no-color", help="Colour text output (default: on a tty)."
        ),
    ) -> None:
        """Judge consultations: required explanations, violations, suitability and a verdict."""
        from wanjeon.bootstrap import build_verifier
        from wanjeon.entrypoints.cli.render import render_report

        if (transcript is None) == (batch is None):
            raise InputError("", "", "give either a TRANSCRIPT (with --product) or --batch DIR")
        verifier = build_verifier(rulebook)
        if batch is not None:
            _batch(batch, verifier, fmt or Format.JSONL, color)
            return
        assert transcript is not None
        case = _load_single(transcript, product, customer, context)
        report = verifier.verify(case)
        if fmt in (Format.JSON, Format.JSONL):
            typer.echo(
                json.dumps(report.to_dict(), ensure_ascii=False, indent=None if fmt is Format.JSONL else 2)
            )
        else:
            use_color = sys.stdout.isatty() if color is None else color
            typer.echo(render_report(report, case, color=use_color))


def _batch(directory: Path, verifier: object, fmt: Format, color: bool | None) -> None:
    from wanjeon.adapters.files import list_case_files, load_case
    from wanjeon.entrypoints.cli.render import render_report
    from wanjeon.verification.engine import Verifier

    assert isinstance(verifier, Verifier)
    failures = 0
    for path in list_case_files(directory):
        try:
            case = load_case(path)
        except InputError as error:
            typer.echo(f"wanjeon: {error}", err=True)
            failures += 1
            continue
        report = verifier.verify(case)
        if fmt is Format.TEXT:
            use_color = sys.stdout.isatty() if color is None else color
            typer.echo(f"━━ {case.name}")
            typer.echo(render_report(report, case, color=use_color))
        else:
            typer.echo(json.dumps({"case": case.name, "report": report.to_dict()}, ensure_ascii=False))
    if failures:
        raise typer.Exit(2)

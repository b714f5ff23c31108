"""``wanjeon eval``: measure the engine against labelled case files."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    from wanjeon.entrypoints.cli.app import reports_input_errors

    @app.command(name="eval")
    @reports_input_errors
    def evaluate(
        directory: Path = typer.Argument(..., help="Directory of labelled *.yaml case files."),
        noise: int | None = typer.Option(None, "--noise", help="Apply ASR-like noise first, with this seed."),
        worst: int = typer.Option(5, "--worst", help="How many of the worst cases to list."),
        as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
        rulebook: Path | None = typer.Option(
            None, "--rulebook", help="A rulebook YAML extending the built-in one."
        ),
    ) -> None:
        """Precision/recall of gaps and violations, verdict accuracy, and should-fail cases judged pass."""
        from dataclasses import replace

        from wanjeon.adapters.files import list_case_files, load_case
        from wanjeon.bootstrap import build_verifier
        from wanjeon.errors import InputError
        from wanjeon.evaluation.metrics import CaseOutcome, evaluate, format_summary, summary_to_dict
        from wanjeon.evaluation.noise import noisy_transcript

        verifier = build_verifier(rulebook)
        outcomes = []
        for path in list_case_files(directory):
            case = load_case(path)
            expected = case.expected
            if expected is None:
                raise InputError(str(path), "expected", "an evaluation case needs labels under 'expected'")
            if noise is not None:
                case = replace(case, transcript=noisy_transcript(case.transcript, noise))
            outcomes.append(CaseOutcome(case.name, expected, verifier.verify(case)))
        summary = evaluate(outcomes)
        if as_json:
            typer.echo(json.dumps(summary_to_dict(summary), ensure_ascii=False, indent=2))
        else:
            if noise is not None:
                typer.echo(f"(ASR-like noise applied, seed {noise})")
            typer.echo(format_summary(summary, worst=worst))

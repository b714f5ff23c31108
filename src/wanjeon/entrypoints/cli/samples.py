"""``wanjeon samples``: the engine alone on the bundled sample consultations, no service.

No configuration, no files of your own: the built-in rulebook judges a handful of
sample consultations (a complete sale, a guarantee agreed to, pressure on the
phone, an outdated protection limit, confusion left unanswered) and prints what a
reviewer would see.
"""

from __future__ import annotations

import sys

import typer


def register(app: typer.Typer) -> None:
    from wanjeon.entrypoints.cli.app import reports_input_errors

    @app.command()
    @reports_input_errors
    def samples(
        color: bool | None = typer.Option(
            None, "--color/--no-color", help="Colour output (default: on a tty)."
        ),
    ) -> None:
        """Verify the bundled sample consultations and print their reports."""
        from wanjeon.adapters.files import list_case_files, load_case
        from wanjeon.bootstrap import build_verifier
        from wanjeon.demo.seed import demo_cases_dir
        from wanjeon.entrypoints.cli.render import render_report

        verifier = build_verifier()
        use_color = sys.stdout.isatty() if color is None else color
        paths = list_case_files(demo_cases_dir())
        for path in paths:
            case = load_case(path)
            typer.echo(
                typer.style(f"━━━━ {case.name} ━━━━", bold=True) if use_color else f"━━━━ {case.name} ━━━━"
            )
            typer.echo(render_report(verifier.verify(case), case, color=use_color))
            typer.echo("")
        typer.echo(f"{len(paths)} sample consultations from {demo_cases_dir()}")
        typer.echo(
            "Verify your own: wanjeon verify TRANSCRIPT --product PRODUCT [--customer C] [--format json]"
        )

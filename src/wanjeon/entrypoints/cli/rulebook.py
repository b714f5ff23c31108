"""``wanjeon rulebook``: show and check the rules a verification applies."""

from __future__ import annotations

from pathlib import Path

import typer

rulebook_app = typer.Typer(help="Show or validate the rulebook (the law as data).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    from wanjeon.entrypoints.cli.app import reports_input_errors

    app.add_typer(rulebook_app, name="rulebook")

    @rulebook_app.command()
    @reports_input_errors
    def check(path: Path = typer.Argument(..., help="A rulebook YAML file.")) -> None:
        """Validate a rulebook file (merged onto the built-in one unless it says extends: none)."""
        from wanjeon.adapters.files.rulebook import load_rulebook

        book = load_rulebook(path)
        typer.echo(
            f"{path}: valid — rulebook {book.version}, {len(book.items)} items, "
            f"{len(book.violations)} violations, {len(book.concepts)} concepts"
        )

    @rulebook_app.command()
    @reports_input_errors
    def show(
        path: Path | None = typer.Argument(None, help="A rulebook file; the built-in one if omitted."),
    ) -> None:
        """List the items, violations and the suitability matrix with their legal sources."""
        from wanjeon.adapters.files.rulebook import load_rulebook

        book = load_rulebook(path)
        typer.echo(
            f"rulebook {book.version} (effective {book.effective}), "
            f"confidence threshold {book.confidence_threshold}"
        )
        typer.echo("\nitems:")
        for item in book.items:
            check_mark = " ✓confirm" if item.confirm else ""
            source = book.source_text(item.source)
            typer.echo(f"  {item.id:<22} {item.severity:<6} {item.title}{check_mark} — {source}")
        typer.echo("\nviolations:")
        for v in book.violations:
            typer.echo(f"  {v.id:<26} {v.severity:<6} {v.principle} — {book.source_text(v.source)}")
        typer.echo("\nsuitability matrix (riskiest grade allowed):")
        for investor, grade in book.suitability_matrix.items():
            typer.echo(f"  {investor:<15} {grade}")

"""The ``wanjeon`` command line: one Typer app, a module per command group.

Heavy imports (kiwipiepy, the engine) happen inside commands, so ``wanjeon --help``
is instant; domain errors become exit status 2 with one line on stderr here, in
one place, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from wanjeon import __version__
from wanjeon.errors import InputError

app = typer.Typer(
    name="wanjeon",
    help="완전판매 — verify that financial products are sold properly (Korean FCPA).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def reports_input_errors(func: F) -> F:
    """Turn ``InputError`` into ``wanjeon: <file>: <field>: <reason>`` and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as error:
            typer.echo(f"wanjeon: {error}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wanjeon {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """완전판매: verification of sales consultations against the Financial Consumer Protection Act."""


def _register() -> None:
    from wanjeon.entrypoints.cli import evaluate, rulebook, samples, service, verify

    verify.register(app)
    evaluate.register(app)
    rulebook.register(app)
    samples.register(app)
    service.register(app)


_register()


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # wanjeon verify … | head
        sys.stderr.close()
        sys.exit(0)

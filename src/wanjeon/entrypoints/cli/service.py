"""``wanjeon serve``, ``wanjeon demo``, ``wanjeon config check`` and ``wanjeon audit verify``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from wanjeon.config import Settings

config_app = typer.Typer(
    help="Inspect and validate settings (WANJEON_* variables, WANJEON_CONFIG toml).", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
accounts_app = typer.Typer(help="Local accounts and service tokens.", no_args_is_help=True)
objects_app = typer.Typer(help="The object store (recordings, transcripts).", no_args_is_help=True)


def _settings() -> Settings:
    from pydantic import ValidationError

    from wanjeon.config import Settings
    from wanjeon.errors import InputError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise InputError(
            "settings", f"WANJEON_{field.upper()}" if field != "settings" else field, first["msg"]
        ) from None


def _serve(host: str, port: int, workers: int) -> None:
    from wanjeon.entrypoints.api.server import serve

    typer.echo(f"wanjeon serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    serve(host, port, workers)


def register(app: typer.Typer) -> None:
    from wanjeon.entrypoints.cli.app import reports_input_errors

    app.add_typer(config_app, name="config")
    app.add_typer(audit_app, name="audit")
    app.add_typer(accounts_app, name="accounts")
    app.add_typer(objects_app, name="objects")

    @accounts_app.command("create")
    @reports_input_errors
    def create_account(
        username: str = typer.Argument(..., help="Login name."),
        role: str = typer.Option(..., "--role", help="seller, reviewer, auditor or admin."),
        branch: str = typer.Option(..., "--branch", help="The branch the account belongs to."),
        all_branches: bool = typer.Option(False, "--all-branches", help="A reviewer who sees every branch."),
        password: str = typer.Option(
            ..., "--password", prompt=True, hide_input=True, confirmation_prompt=True
        ),
    ) -> None:
        """Create a local account (argon2-hashed password)."""
        from wanjeon.accounts.model import Account, Role, Scope
        from wanjeon.bootstrap import build_container
        from wanjeon.errors import InputError

        try:
            parsed = Role(role)
        except ValueError:
            raise InputError("arguments", "--role", "expected seller, reviewer, auditor or admin") from None
        if len(password) < 10:
            raise InputError("arguments", "--password", "use at least 10 characters")
        container = build_container(_settings())
        container.create_account(
            Account(username, parsed, branch, scope=Scope.ALL if all_branches else None), password
        )
        typer.echo(f"account {username} ({parsed.value}, {branch}) created")

    @accounts_app.command("service-token")
    @reports_input_errors
    def service_token(
        name: str = typer.Argument(..., help="The integration, e.g. recorder-gangnam."),
        role: str = typer.Option("seller", "--role"),
        branch: str = typer.Option("본점", "--branch"),
    ) -> None:
        """Create a service token for an integration; it is printed once and stored only as a hash."""
        from wanjeon.accounts.model import Account, Role, Scope
        from wanjeon.adapters.auth.tokens import hash_service_token, new_service_token
        from wanjeon.bootstrap import build_container

        container = build_container(_settings())
        token = new_service_token()
        account = Account(f"service:{name}", Role(role), branch, scope=Scope.ALL)
        with container.services.uow() as uow:
            uow.accounts.add(account, "!service-token-only")
            uow.accounts.add_service_token(name, hash_service_token(token), account)
            uow.commit()
        typer.echo(token)

    @objects_app.command("sweep")
    @reports_input_errors
    def sweep(
        older_than_minutes: int = typer.Option(60, "--older-than-minutes", min=0),
        dry_run: bool = typer.Option(False, "--dry-run"),
    ) -> None:
        """Delete stored objects no consultation references (left by a crash between write and commit)."""
        from datetime import timedelta

        from wanjeon.adapters.objects.sweep import sweep_orphans
        from wanjeon.bootstrap import build_container

        container = build_container(_settings())
        s = container.services

        def referenced(key: str) -> bool:
            with s.uow() as uow:
                return uow.consultations.referenced_object(key)

        removed = sweep_orphans(
            s.objects, referenced, older_than=timedelta(minutes=older_than_minutes), dry_run=dry_run
        )
        verb = "would remove" if dry_run else "removed"
        typer.echo(f"{verb} {len(removed)} unreferenced objects")
        for key in removed:
            typer.echo(f"  {key}")

    @app.command()
    @reports_input_errors
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
        port: int = typer.Option(8000, "--port", help="TCP port."),
        workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    ) -> None:
        """Run the API and pages on the configured (or embedded) database and object store."""
        from wanjeon.bootstrap import build_container

        settings = _settings()
        build_container(settings)  # migrate once and create the first admin before workers start
        _serve(host, port, workers)

    @app.command()
    @reports_input_errors
    def demo(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
        serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve after seeding."),
    ) -> None:
        """Create demo accounts for every role, products, customers and a dozen verified
        consultations, print the logins, then serve."""
        from wanjeon.bootstrap import build_container
        from wanjeon.demo.seed import seed

        settings = _settings()
        container = build_container(settings)
        accounts = seed(container)
        typer.echo(f"wanjeon demo data in {settings.data_dir}")
        typer.echo("accounts (username / password / role / branch):")
        for demo_account in accounts:
            a = demo_account.account
            typer.echo(f"  {a.username:<12} {demo_account.password:<22} {a.role.value:<9} {a.branch}")
        with container.services.uow() as uow:
            from wanjeon.accounts.model import Principal, Role, Scope
            from wanjeon.consultation.ports import ConsultationFilter

            page = uow.consultations.list(
                Principal("admin", Role.ADMIN, "본점", Scope.ALL),
                ConsultationFilter(),
                limit=200,
                cursor=None,
            )
        verdicts = [c.verdict or "-" for c in page.items]
        typer.echo(
            f"{len(page.items)} consultations: "
            + ", ".join(f"{v} {verdicts.count(v)}" for v in ("pass", "review", "fail") if v in verdicts)
        )
        typer.echo(
            f"log in:  curl -s -X POST http://{host}:{port}/api/v1/auth/token "
            f"-d username=reviewer-hq -d password=wanjeon-reviewer-hq"
        )
        if serve_after:
            _serve(host, port, 1)

    @config_app.command()
    @reports_input_errors
    def check() -> None:
        """Validate the settings and say what is missing or half-configured."""
        settings = _settings()
        shown = {
            k: ("***" if "key" in k or "password" in k or "secret" in k else str(v))
            for k, v in settings.model_dump().items()
            if v is not None
        }
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        typer.echo(f"database: {settings.resolved_database_url().split('@')[-1]}")
        typer.echo(f"objects: {'s3://' + settings.s3_bucket if settings.s3_bucket else settings.objects_dir}")
        problems = settings.problems()
        for problem in problems:
            typer.echo(f"problem: {problem}", err=True)
        if problems:
            raise typer.Exit(2)
        typer.echo("settings are valid")

    @audit_app.command("verify")
    @reports_input_errors
    def audit_verify() -> None:
        """Check every entry of the audit log against the hash chain; exit 1 if any was edited or deleted."""
        from wanjeon.audit.chain import verify_chain
        from wanjeon.bootstrap import build_container

        container = build_container(_settings())
        report = verify_chain(container.services.audit.all())
        if report.ok:
            typer.echo(f"audit log intact: {report.checked} entries verified")
            return
        for problem in report.problems:
            typer.echo(f"audit: {problem}", err=True)
        raise typer.Exit(1)

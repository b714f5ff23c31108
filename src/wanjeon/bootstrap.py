"""The composition root: builds wanjeon's objects from configuration.

Nothing connects or loads at import time; entry points call these functions.
With no configuration the service runs on SQLite and a local folder under
``WANJEON_DATA_DIR``; ``WANJEON_DATABASE_URL`` and ``WANJEON_S3_*`` switch the
adapters to PostgreSQL and S3 without touching anything else.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from wanjeon.verification.engine import Verifier

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from wanjeon.accounts.model import Account, Principal
    from wanjeon.adapters.auth.passwords import Argon2Passwords
    from wanjeon.adapters.auth.tokens import LocalTokens, OidcTokens
    from wanjeon.config import Settings
    from wanjeon.consultation.services import Services
    from wanjeon.recording.storage import ObjectStore


def build_verifier(rulebook_path: Path | None = None) -> Verifier:
    """A verifier over the built-in rulebook, or over ``rulebook_path`` extending it."""
    from wanjeon.adapters.files.rulebook import load_rulebook
    from wanjeon.adapters.language.fuzzy import RapidfuzzSimilarity
    from wanjeon.adapters.language.kiwi import KiwiAnalyzer

    return Verifier(load_rulebook(rulebook_path), KiwiAnalyzer(), RapidfuzzSimilarity())


class _Lazy:
    """The verifier loads its language model (about a second) on first use, once.

    What it loads then lives as long as the process, so it is moved out of the garbage
    collector's reach (``gc.freeze``): otherwise every full collection walks the rulebook's
    and the analyser's objects again, a pause that shows in the service's tail latency.
    """

    def __init__(self, build: Callable[[], Verifier]) -> None:
        self._build = build
        self._value: Verifier | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Verifier:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                    gc.collect()  # so that only what lives on is frozen
                    gc.freeze()
        return self._value


@dataclass
class Container:
    settings: Settings
    engine: Engine
    services: Services
    passwords: Argon2Passwords
    tokens: LocalTokens
    oidc: OidcTokens | None = None
    extras: dict[str, object] = field(default_factory=dict)

    def authenticate(self, token: str) -> Principal:
        from wanjeon.adapters.auth.tokens import SERVICE_PREFIX, Unauthenticated, hash_service_token

        if token.startswith(SERVICE_PREFIX):
            with self.services.reads() as uow:
                account = uow.accounts.by_service_token(hash_service_token(token))
            if account is None or not account.active:
                raise Unauthenticated("unknown or revoked service token")
            return _principal_of(account, via="service")
        if self.oidc is not None and not _is_local(token):
            return self.oidc.principal(token)
        return self.tokens.principal(token)

    def login(self, username: str, password: str) -> Account | None:
        with self.services.reads() as uow:
            found = uow.accounts.get(username)
        account, password_hash = found if found else (None, None)
        if not self.passwords.verify(password_hash, password) or account is None or not account.active:
            return None
        return account

    def create_account(self, account: Account, password: str) -> None:
        with self.services.uow() as uow:
            uow.accounts.add(account, self.passwords.hash(password))
            uow.commit()


def _principal_of(account: Account, *, via: str) -> Principal:
    from wanjeon.accounts.model import Principal

    return Principal(account.username, account.role, account.branch, account.effective_scope, via=via)


def _is_local(token: str) -> bool:
    import jwt

    try:
        return jwt.get_unverified_header(token).get("alg") == "HS256"
    except jwt.PyJWTError:
        return True


def build_stores(settings: Settings) -> tuple[ObjectStore, ObjectStore]:
    """(objects, recordings): transcripts as stored; recordings encrypted at rest unless S3 SSE does it."""
    from wanjeon.adapters.objects.encrypted import EncryptingObjectStore, key_from_setting

    inner: ObjectStore
    if settings.uses_s3():
        from wanjeon.adapters.objects.s3 import S3ObjectStore

        assert settings.s3_bucket is not None
        s3 = S3ObjectStore(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint,
            region=settings.s3_region,
            access_key=settings.s3_access_key.get_secret_value() if settings.s3_access_key else None,
            secret_key=settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None,
            sse=settings.s3_sse,
        )
        s3.ensure_bucket()
        inner = s3
    else:
        from wanjeon.adapters.objects.local import LocalObjectStore

        settings.objects_dir.mkdir(parents=True, exist_ok=True)
        inner = LocalObjectStore(settings.objects_dir)
    if settings.uses_s3() and settings.s3_sse:
        return inner, inner
    return inner, EncryptingObjectStore(inner, key_from_setting(settings.secret("encryption_key")))


def build_container(settings: Settings, *, migrate: bool = True) -> Container:
    from wanjeon.adapters.auth.passwords import Argon2Passwords
    from wanjeon.adapters.auth.tokens import LocalTokens, OidcTokens
    from wanjeon.adapters.db import SqlUnitOfWork, make_engine, make_session_factory, upgrade
    from wanjeon.adapters.db.audit import SqlAuditLog
    from wanjeon.consultation.services import Services

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    if migrate:
        upgrade(url)
    engine = make_engine(url, pool_size=settings.database_pool_size)
    sessions = make_session_factory(engine)
    reading = make_session_factory(engine, reading=True)
    objects, recordings = build_stores(settings)
    services = Services(
        uow=lambda: SqlUnitOfWork(sessions),
        objects=objects,
        recordings=recordings,
        verifier=_Lazy(lambda: build_verifier(settings.rulebook_path)),
        audit=SqlAuditLog(engine),
        clock=lambda: datetime.now(UTC),
        reads=lambda: SqlUnitOfWork(reading, readonly=True),
    )
    oidc = None
    if settings.oidc_jwks_url and settings.oidc_issuer and settings.oidc_audience:
        oidc = OidcTokens(
            settings.oidc_jwks_url,
            settings.oidc_issuer,
            settings.oidc_audience,
            settings.oidc_role_claim,
            settings.oidc_branch_claim,
        )
    container = Container(
        settings,
        engine,
        services,
        Argon2Passwords(),
        LocalTokens(settings.secret("secret_key"), timedelta(minutes=settings.token_ttl_minutes)),
        oidc,
    )
    ensure_first_admin(container)
    return container


def ensure_first_admin(container: Container) -> None:
    """``WANJEON_ADMIN_PASSWORD`` creates the first ``admin`` at first start (for automation)."""
    from wanjeon.accounts.model import Account, Role

    password = container.settings.admin_password
    if password is None:
        return
    with container.services.uow() as uow:
        if uow.accounts.get("admin") is not None:
            return
    container.create_account(Account("admin", Role.ADMIN, "HQ", "Administrator"), password.get_secret_value())

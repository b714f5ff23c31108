"""Settings: one pydantic-settings class, from ``WANJEON_*`` variables and an optional TOML file.

With nothing configured wanjeon runs on one machine: a SQLite file and an object
folder under ``WANJEON_DATA_DIR`` (default ``$XDG_DATA_HOME/wanjeon`` or
``~/.local/share/wanjeon``), and signing/encryption keys generated once into
that folder. In ``production`` every secret must be given explicitly and
placeholder values are refused, so a forgotten setting fails at start, not later.
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "admin", ""}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wanjeon"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WANJEON_", extra="forbid", toml_file=None)

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    database_pool_size: int = Field(default=16, ge=1, le=256)
    """Connections each worker process keeps open; a request beyond them waits for one."""
    worker_threads: int = Field(default=8, ge=1, le=256)
    """Threads each worker process runs blocking request work on (database, objects, the
    engine). Requests beyond them wait their turn; more threads than the database and
    object store can serve at once only compete for the interpreter lock."""

    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_sse: str | None = None

    encryption_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    admin_password: SecretStr | None = None
    token_ttl_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60)

    oidc_jwks_url: str | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_role_claim: str = "wanjeon_role"
    oidc_branch_claim: str = "branch"

    max_upload_mb: int = Field(default=200, ge=1, le=4096)
    rulebook_path: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml = os.environ.get("WANJEON_CONFIG")
        if toml:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml)))
        return tuple(sources)

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.environment is not Environment.PRODUCTION:
            return self
        missing = [
            name for name in ("secret_key", "encryption_key", "database_url") if _blank(getattr(self, name))
        ]
        if missing:
            raise ValueError("production needs " + ", ".join(f"WANJEON_{m.upper()}" for m in missing))
        for name in ("secret_key", "encryption_key", "admin_password"):
            value = getattr(self, name)
            if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDERS:
                raise ValueError(f"WANJEON_{name.upper()} is a placeholder; set a real secret")
        return self

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "wanjeon.db"

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    def uses_s3(self) -> bool:
        return bool(self.s3_bucket)

    def secret(self, name: str) -> str:
        """A configured secret, or one generated once into the data folder (development only)."""
        value = getattr(self, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            return value.get_secret_value()
        path = self.data_dir / f".{name}"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        generated = secrets.token_urlsafe(32) if name != "encryption_key" else secrets.token_bytes(32).hex()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(generated)
        return generated

    def problems(self) -> list[str]:
        """What ``wanjeon config check`` reports beyond validation: half-configured features."""
        out: list[str] = []
        s3 = {
            "s3_bucket": self.s3_bucket,
            "s3_access_key": self.s3_access_key,
            "s3_secret_key": self.s3_secret_key,
        }
        if any(v is not None for v in s3.values()) and self.s3_bucket is None:
            out.append("S3 credentials are set but WANJEON_S3_BUCKET is not")
        if self.oidc_jwks_url and not (self.oidc_issuer and self.oidc_audience):
            out.append("OIDC needs WANJEON_OIDC_ISSUER and WANJEON_OIDC_AUDIENCE with WANJEON_OIDC_JWKS_URL")
        if self.rulebook_path is not None and not self.rulebook_path.is_file():
            out.append(f"WANJEON_RULEBOOK_PATH {self.rulebook_path} is not a file")
        return out


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, SecretStr):
        return not value.get_secret_value().strip()
    return not str(value).strip()

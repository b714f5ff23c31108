"""Settings: embedded defaults, real adapters by configuration, no placeholder secrets in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from wanjeon.config import Settings


def test_with_nothing_configured_the_service_runs_on_sqlite_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANJEON_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'wanjeon.db'}"
    assert not settings.uses_s3()


def test_a_generated_secret_is_kept_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.secret("secret_key")
    assert first == Settings(data_dir=tmp_path).secret("secret_key")
    assert (tmp_path / ".secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_missing_and_placeholder_secrets(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="WANJEON_SECRET_KEY"):
        Settings(environment="production", data_dir=tmp_path)
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(
            environment="production",
            data_dir=tmp_path,
            secret_key="changeme",
            encryption_key="x" * 64,
            database_url="postgresql+psycopg://db/wanjeon",
        )


def test_a_toml_file_named_by_wanjeon_config_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "wanjeon.toml"
    config.write_text('s3_bucket = "recordings"\nmax_upload_mb = 50\n', encoding="utf-8")
    monkeypatch.setenv("WANJEON_CONFIG", str(config))
    settings = Settings(data_dir=tmp_path)
    assert settings.uses_s3() and settings.max_upload_mb == 50


def test_half_configured_features_are_named(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, oidc_jwks_url="http://127.0.0.1:1/jwks")
    assert any("OIDC" in p for p in settings.problems())


def test_an_unknown_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, databse_url="typo")  # type: ignore[call-arg]

"""The initial schema: catalogue, consultations and their events, verifications, accounts, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-05-09

Types are spelled out here rather than imported from ``tables.py``: a migration is
a record of what the schema was, and must not change when ``tables.py`` does.
``UtcDateTime`` is ``timestamptz`` on PostgreSQL and fixed-width ISO text on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

UTC_DATETIME = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ID = sa.String(128)


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", UTC_DATETIME, nullable=False)


def upgrade() -> None:
    for name in ("products", "customers"):
        op.create_table(
            name,
            sa.Column("id", ID, nullable=False),
            sa.Column("data", JSON, nullable=False),
            _created_at(),
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        )
    op.create_table(
        "consultations",
        sa.Column("id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("agent", ID, nullable=False),
        sa.Column("branch", ID, nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("recording_key", sa.String(512), nullable=True),
        sa.Column("recording_sha256", sa.String(64), nullable=True),
        sa.Column("recording_size", sa.BigInteger(), nullable=True),
        sa.Column("recording_content_type", sa.String(128), nullable=True),
        sa.Column("transcript_key", sa.String(512), nullable=True),
        sa.Column("transcript_sha256", sa.String(64), nullable=True),
        sa.Column("transcript_size", sa.BigInteger(), nullable=True),
        sa.Column("transcript_content_type", sa.String(128), nullable=True),
        _created_at(),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consultations"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name="fk_consultations_product_id_products"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_consultations_customer_id_customers"
        ),
    )
    for name, columns in {
        "ix_consultations_created_at_id": ["created_at", "id"],
        "ix_consultations_agent_created_at": ["agent", "created_at"],
        "ix_consultations_branch_created_at": ["branch", "created_at"],
        "ix_consultations_status_created_at": ["status", "created_at"],
        "ix_consultations_verdict_created_at": ["verdict", "created_at"],
        "ix_consultations_product_id": ["product_id"],
        "ix_consultations_customer_id": ["customer_id"],
        "ix_consultations_recording_key": ["recording_key"],
        "ix_consultations_transcript_key": ["transcript_key"],
    }.items():
        op.create_index(name, "consultations", columns)

    op.create_table(
        "consultation_events",
        sa.Column("consultation_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("actor", ID, nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.PrimaryKeyConstraint("consultation_id", "seq", name="pk_consultation_events"),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name="fk_consultation_events_consultation_id_consultations",
        ),
    )
    op.create_table(
        "rulebook_versions",
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(128), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("version", name="pk_rulebook_versions"),
    )
    op.create_table(
        "verifications",
        sa.Column("id", ID, nullable=False),
        sa.Column("consultation_id", ID, nullable=False),
        sa.Column("rulebook_version", sa.String(64), nullable=False),
        sa.Column("transcript_sha256", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("report", JSON, nullable=False),
        _created_at(),
        sa.Column("actor", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verifications"),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"], name="fk_verifications_consultation_id_consultations"
        ),
        sa.ForeignKeyConstraint(
            ["rulebook_version"],
            ["rulebook_versions.version"],
            name="fk_verifications_rulebook_version_rulebook_versions",
        ),
    )
    op.create_index(
        "ix_verifications_consultation_id_created_at", "verifications", ["consultation_id", "created_at"]
    )

    op.create_table(
        "accounts",
        sa.Column("username", ID, nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("branch", ID, nullable=False),
        sa.Column("display_name", sa.String(256), nullable=False),
        sa.Column("scope", sa.String(16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("username", name="pk_accounts"),
    )
    op.create_table(
        "service_tokens",
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("name", ID, nullable=False),
        sa.Column("username", ID, nullable=False),
        _created_at(),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_service_tokens"),
        sa.UniqueConstraint("name", name="uq_service_tokens_name"),
        sa.ForeignKeyConstraint(
            ["username"], ["accounts.username"], name="fk_service_tokens_username_accounts"
        ),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", ID, nullable=False),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("request_hash", sa.String(128), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", JSON, nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("actor", ID, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(256), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("prev_hash", sa.String(128), nullable=False),
        sa.Column("hash", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    for column in ("actor", "target", "action"):
        op.create_index(f"ix_audit_log_{column}", "audit_log", [column])


def downgrade() -> None:
    for table in (
        "audit_log",
        "idempotency_keys",
        "service_tokens",
        "accounts",
        "verifications",
        "rulebook_versions",
        "consultation_events",
        "consultations",
        "customers",
        "products",
    ):
        op.drop_table(table)

"""Verifications remember the transcript object they were computed from.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Without it the orphan sweep could delete a replaced transcript that an earlier
report still quotes; with it the object stays referenced as long as the report.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "verifications", sa.Column("transcript_key", sa.String(512), nullable=False, server_default="")
    )
    op.create_index("ix_verifications_transcript_key", "verifications", ["transcript_key"])


def downgrade() -> None:
    op.drop_index("ix_verifications_transcript_key", table_name="verifications")
    op.drop_column("verifications", "transcript_key")

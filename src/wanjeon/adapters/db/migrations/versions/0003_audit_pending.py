"""Audit entries waiting to be chained (PostgreSQL).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

A change and its audit entry now commit in one transaction. On PostgreSQL the entry is
inserted here rather than into ``audit_log`` directly, so that writers do not queue for
the chain's lock; the next holder of the lock links waiting entries into the chain.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

UTC_DATETIME = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ID = sa.String(128)
# SQLite numbers rows by themselves only for an INTEGER PRIMARY KEY
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("actor", ID, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(256), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_pending"),
    )


def downgrade() -> None:
    waiting = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_pending"))
    if waiting:
        raise RuntimeError(
            f"{waiting} audit entries wait to be chained; run `wanjeon audit verify` (it chains them) first"
        )
    op.drop_table("audit_pending")

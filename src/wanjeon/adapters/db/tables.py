"""The relational schema, as SQLAlchemy Core tables (no ORM mapping of domain objects).

Repositories map rows to the domain's dataclasses by hand, so the domain stays free
of SQLAlchemy and the schema can change without touching it. The Alembic migrations
in ``migrations/versions`` must produce exactly this metadata; a test compares them.

Portability rules that hold on SQLite and PostgreSQL alike:
- timestamps are ``UtcDateTime``: aware UTC in, aware UTC out, microseconds exact;
- enumerations are stored as their string values (no PostgreSQL ENUM types to migrate);
- documents are ``JSON`` (``JSONB`` on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

# Stable constraint names, so that later migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

_SQLITE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


class UtcDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC timestamp: ``timestamptz`` on PostgreSQL, fixed-width ISO text on SQLite.

    SQLite has no timestamp type and SQLAlchemy's default drops the offset; a fixed-width
    UTC text sorts like the instant it names, so ``ORDER BY`` and range filters stay right.
    Naive datetimes are refused rather than guessed at.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamps must be timezone-aware, got naive {value.isoformat()}")
        value = value.astimezone(UTC)
        return value.strftime(_SQLITE_FORMAT) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Id = sa.String(128)
# SQLite numbers rows by themselves only for an INTEGER PRIMARY KEY
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _created_at() -> sa.Column[datetime]:
    return sa.Column("created_at", UtcDateTime(), nullable=False)


products = sa.Table(
    "products",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("data", Json, nullable=False),
    _created_at(),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("data", Json, nullable=False),
    _created_at(),
)

consultations = sa.Table(
    "consultations",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("product_id", Id, sa.ForeignKey("products.id"), nullable=False),
    sa.Column("customer_id", Id, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("agent", Id, nullable=False),
    sa.Column("branch", Id, nullable=False),
    sa.Column("context", Json, nullable=False),
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
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    # Lists are newest first, optionally narrowed by one of these columns.
    sa.Index("ix_consultations_created_at_id", "created_at", "id"),
    sa.Index("ix_consultations_agent_created_at", "agent", "created_at"),
    sa.Index("ix_consultations_branch_created_at", "branch", "created_at"),
    sa.Index("ix_consultations_status_created_at", "status", "created_at"),
    sa.Index("ix_consultations_verdict_created_at", "verdict", "created_at"),
    sa.Index("ix_consultations_product_id", "product_id"),
    sa.Index("ix_consultations_customer_id", "customer_id"),
    # The orphan sweep asks whether an object key is still referenced.
    sa.Index("ix_consultations_recording_key", "recording_key"),
    sa.Index("ix_consultations_transcript_key", "transcript_key"),
)

consultation_events = sa.Table(
    "consultation_events",
    metadata,
    sa.Column("consultation_id", Id, sa.ForeignKey("consultations.id"), primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", Id, nullable=False),
    sa.Column("detail", Json, nullable=False),
)

rulebook_versions = sa.Table(
    "rulebook_versions",
    metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(128), nullable=False),
    sa.Column("content", sa.Text(), nullable=False),
    _created_at(),
)

verifications = sa.Table(
    "verifications",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("consultation_id", Id, sa.ForeignKey("consultations.id"), nullable=False),
    sa.Column("rulebook_version", sa.String(64), sa.ForeignKey("rulebook_versions.version"), nullable=False),
    sa.Column("transcript_sha256", sa.String(64), nullable=False),
    sa.Column("verdict", sa.String(32), nullable=False),
    sa.Column("report", Json, nullable=False),
    _created_at(),
    sa.Column("actor", Id, nullable=False),
    sa.Column("transcript_key", sa.String(512), nullable=False, server_default=""),
    sa.Index("ix_verifications_consultation_id_created_at", "consultation_id", "created_at"),
    sa.Index("ix_verifications_transcript_key", "transcript_key"),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("username", Id, primary_key=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("branch", Id, nullable=False),
    sa.Column("display_name", sa.String(256), nullable=False),
    sa.Column("scope", sa.String(16), nullable=True),
    sa.Column("active", sa.Boolean(), nullable=False),
    _created_at(),
)

service_tokens = sa.Table(
    "service_tokens",
    metadata,
    sa.Column("token_hash", sa.String(128), primary_key=True),
    sa.Column("name", Id, nullable=False, unique=True),
    sa.Column("username", Id, sa.ForeignKey("accounts.username"), nullable=False),
    _created_at(),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("principal", Id, primary_key=True),
    sa.Column("key", sa.String(256), primary_key=True),
    sa.Column("request_hash", sa.String(128), nullable=False),
    sa.Column("status_code", sa.Integer(), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
    sa.Column("headers", Json, nullable=False),
    _created_at(),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    # Assigned by the appender (previous + 1) under a lock, so the chain has no gaps.
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", Id, nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(256), nullable=False),
    sa.Column("detail", Json, nullable=False),
    sa.Column("prev_hash", sa.String(128), nullable=False),
    sa.Column("hash", sa.String(128), nullable=False),
    sa.Index("ix_audit_log_actor", "actor"),
    sa.Index("ix_audit_log_target", "target"),
    sa.Index("ix_audit_log_action", "action"),
)

# PostgreSQL: entries a committed change recorded, waiting to be linked into ``audit_log``.
# Writers insert here inside their own transaction without waiting for anyone; whoever
# holds the chain's lock next moves them into the chain (``audit.chain_pending``). SQLite
# holds one write lock for the whole database anyway and chains at once; it never uses it.
audit_pending = sa.Table(
    "audit_pending",
    metadata,
    sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", Id, nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(256), nullable=False),
    sa.Column("detail", Json, nullable=False),
)

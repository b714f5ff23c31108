"""Request and response bodies of the API, apart from the domain (XCreate / XRead / XPage).

Product, customer and context bodies are the file formats of formats.md, so the
API reuses the file schemas' validation instead of restating it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wanjeon.consultation.lifecycle import Consultation, Decision, StoredRef
from wanjeon.consultation.model import Category, InvestorType, Kind
from wanjeon.consultation.ports import VerificationRecord
from wanjeon.privacy.masking import mask_report_dict


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ProductRead(BaseModel):
    """A product as stored (formats.md Product)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    category: Category
    kind: Kind
    risk_grade: int | None
    complex: bool
    principal_protected: bool
    deposit_insured: bool
    withdrawal_days: int | None
    fees: str | None
    features: dict[str, Any]


class CustomerRead(BaseModel):
    """A customer as stored (formats.md Customer)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    age: int
    investor_type: InvestorType
    investment_experience_years: int | None
    vulnerable: bool


class ContextBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recommended: bool = True
    channel: str = Field(default="branch", pattern="^(branch|phone|video)$")


class ConsultationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(min_length=1, max_length=64)
    product_id: str = Field(min_length=1, max_length=64)
    context: ContextBody = Field(default_factory=ContextBody)
    agent: str | None = Field(default=None, description="The seller; defaults to the caller")


class EventRead(BaseModel):
    kind: str
    at: datetime
    actor: str
    detail: dict[str, Any]


class StoredRead(BaseModel):
    sha256: str
    size: int
    content_type: str

    @classmethod
    def of(cls, ref: StoredRef | None) -> StoredRead | None:
        return None if ref is None else cls(sha256=ref.sha256, size=ref.size, content_type=ref.content_type)


class ConsultationRead(BaseModel):
    id: str
    status: str
    product_id: str
    customer_id: str
    agent: str
    branch: str
    context: ContextBody
    verdict: str | None
    paused: bool
    failure_reason: str | None
    created_at: datetime
    recording: StoredRead | None
    transcript: StoredRead | None
    history: list[EventRead]

    @classmethod
    def of(cls, c: Consultation) -> ConsultationRead:
        return cls(
            id=c.id,
            status=c.status.value,
            product_id=c.product_id,
            customer_id=c.customer_id,
            agent=c.agent,
            branch=c.branch,
            context=ContextBody(recommended=c.context.recommended, channel=c.context.channel.value),
            verdict=c.verdict,
            paused=c.paused,
            failure_reason=c.failure_reason,
            created_at=c.created_at,
            recording=StoredRead.of(c.recording),
            transcript=StoredRead.of(c.transcript),
            history=[EventRead(kind=e.kind.value, at=e.at, actor=e.actor, detail=e.detail) for e in c.events],
        )


class ConsultationPage(BaseModel):
    items: list[ConsultationRead]
    next_cursor: str | None


class RecordingEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str = Field(pattern="^(start|pause|resume|stop)$")


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Decision
    comment: str = Field(default="", max_length=4000)


class VerificationRead(BaseModel):
    id: str
    consultation_id: str
    rulebook_version: str
    transcript_sha256: str
    verdict: str
    created_at: datetime
    actor: str
    report: dict[str, Any]

    @classmethod
    def of(cls, record: VerificationRecord) -> VerificationRead:
        """The record as shown: personal data masked in every quoted text."""
        return cls(
            id=record.id,
            consultation_id=record.consultation_id,
            rulebook_version=record.rulebook_version,
            transcript_sha256=record.transcript_sha256,
            verdict=record.verdict,
            created_at=record.created_at,
            actor=record.actor,
            report=mask_report_dict(record.report),
        )


class AuditEntryRead(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str

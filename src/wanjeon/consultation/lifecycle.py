"""A consultation's lifecycle: what may happen to it, in which order, and when it did.

    created --start--> recording (pause / resume) --stop--> recorded
    created | recorded --upload a recording--> recorded
    created | recorded | transcribed | verified --put a transcript--> transcribed
    transcribed | verified --verify--> verified      (reviewed stays reviewed on re-verify)
    verified | reviewed --review--> reviewed
    recording | recorded | transcribed --processing fails--> failed (with a reason);
    a new upload or transcript starts again from failed.

Every change is a timestamped ``Event`` kept in order, so the status history is
the audit of the sale itself. Illegal moves raise ``IllegalTransition`` naming
the current status and what was attempted; the edge turns that into HTTP 409.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from wanjeon.consultation.model import SaleContext
from wanjeon.errors import WanjeonError


class Status(StrEnum):
    CREATED = "created"
    RECORDING = "recording"
    RECORDED = "recorded"
    TRANSCRIBED = "transcribed"
    VERIFIED = "verified"
    REVIEWED = "reviewed"
    FAILED = "failed"


class EventKind(StrEnum):
    CREATED = "created"
    RECORDING_STARTED = "recording_started"
    RECORDING_PAUSED = "recording_paused"
    RECORDING_RESUMED = "recording_resumed"
    RECORDING_STOPPED = "recording_stopped"
    RECORDING_STORED = "recording_stored"
    TRANSCRIBED = "transcribed"
    VERIFIED = "verified"
    REVIEWED = "reviewed"
    FAILED = "failed"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    FOLLOW_UP = "follow_up"


class IllegalTransition(WanjeonError):
    """A lifecycle move that the consultation's current status does not allow."""

    def __init__(self, consultation_id: str, status: Status, action: str, allowed: str) -> None:
        self.consultation_id = consultation_id
        self.status = status
        self.action = action
        super().__init__(
            f"cannot {action} consultation {consultation_id} while it is {status.value}; "
            f"allowed when {allowed}"
        )


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    at: datetime
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredRef:
    """Where a recording or transcript lives, and the digest that proves it unchanged."""

    key: str
    sha256: str
    size: int
    content_type: str


@dataclass(slots=True)
class Consultation:
    id: str
    product_id: str
    customer_id: str
    agent: str
    branch: str
    context: SaleContext
    created_at: datetime
    status: Status = Status.CREATED
    paused: bool = False
    recording: StoredRef | None = None
    transcript: StoredRef | None = None
    verdict: str | None = None
    failure_reason: str | None = None
    events: list[Event] = field(default_factory=list)
    version: int = 0

    @classmethod
    def open(
        cls,
        id: str,
        product_id: str,
        customer_id: str,
        agent: str,
        branch: str,
        context: SaleContext,
        at: datetime,
    ) -> Consultation:
        c = cls(id, product_id, customer_id, agent, branch, context, at)
        c._record(EventKind.CREATED, at, agent)
        return c

    def _record(self, kind: EventKind, at: datetime, actor: str, **detail: Any) -> None:
        self.events.append(Event(kind, at, actor, detail))

    def _require(self, action: str, *allowed: Status) -> None:
        if self.status not in allowed:
            raise IllegalTransition(self.id, self.status, action, " or ".join(s.value for s in allowed))

    # --- recording ----------------------------------------------------------------------
    def start_recording(self, at: datetime, actor: str) -> None:
        self._require("start recording", Status.CREATED)
        self.status, self.paused = Status.RECORDING, False
        self._record(EventKind.RECORDING_STARTED, at, actor)

    def pause_recording(self, at: datetime, actor: str) -> None:
        self._require("pause recording", Status.RECORDING)
        if self.paused:
            raise IllegalTransition(self.id, self.status, "pause recording", "recording and not paused")
        self.paused = True
        self._record(EventKind.RECORDING_PAUSED, at, actor)

    def resume_recording(self, at: datetime, actor: str) -> None:
        self._require("resume recording", Status.RECORDING)
        if not self.paused:
            raise IllegalTransition(self.id, self.status, "resume recording", "recording and paused")
        self.paused = False
        self._record(EventKind.RECORDING_RESUMED, at, actor)

    def stop_recording(self, at: datetime, actor: str) -> None:
        self._require("stop recording", Status.RECORDING)
        self.status, self.paused = Status.RECORDED, False
        self._record(EventKind.RECORDING_STOPPED, at, actor)

    def ensure_can_store_recording(self) -> None:
        """Raise before an upload is written anywhere if the lifecycle would refuse it."""
        self._require("upload a recording for", Status.CREATED, Status.RECORDED, Status.FAILED)

    def store_recording(self, ref: StoredRef, at: datetime, actor: str) -> None:
        """An uploaded recording: the consultation is recorded and waits for transcription."""
        self.ensure_can_store_recording()
        self.recording = ref
        self.status, self.failure_reason = Status.RECORDED, None
        self._record(EventKind.RECORDING_STORED, at, actor, sha256=ref.sha256, size=ref.size)

    def ensure_can_go_live(self) -> None:
        """A live session (text said as it is said) belongs to a consultation under way."""
        self._require("open a live session on", Status.CREATED, Status.RECORDING)

    # --- transcript and verification -----------------------------------------------------------
    def ensure_can_store_transcript(self) -> None:
        """Raise before a transcript is written anywhere if the lifecycle would refuse it."""
        self._require(
            "store a transcript for",
            Status.CREATED,
            Status.RECORDED,
            Status.TRANSCRIBED,
            Status.VERIFIED,
            Status.FAILED,
        )

    def store_transcript(self, ref: StoredRef, at: datetime, actor: str) -> None:
        self.ensure_can_store_transcript()
        self.transcript = ref
        self.status, self.failure_reason, self.verdict = Status.TRANSCRIBED, None, None
        self._record(EventKind.TRANSCRIBED, at, actor, sha256=ref.sha256, size=ref.size)

    def record_verification(
        self, verification_id: str, verdict: str, rulebook_version: str, at: datetime, actor: str
    ) -> None:
        self._require("verify", Status.TRANSCRIBED, Status.VERIFIED, Status.REVIEWED)
        self.verdict = verdict
        if self.status is not Status.REVIEWED:
            self.status = Status.VERIFIED
        self._record(
            EventKind.VERIFIED,
            at,
            actor,
            verification_id=verification_id,
            verdict=verdict,
            rulebook_version=rulebook_version,
        )

    def review(self, decision: Decision, comment: str, at: datetime, actor: str) -> None:
        self._require("review", Status.VERIFIED, Status.REVIEWED)
        self.status = Status.REVIEWED
        self._record(EventKind.REVIEWED, at, actor, decision=decision.value, comment=comment)

    def fail(self, reason: str, at: datetime, actor: str) -> None:
        self._require("mark as failed", Status.RECORDING, Status.RECORDED, Status.TRANSCRIBED)
        self.status, self.failure_reason, self.paused = Status.FAILED, reason, False
        self._record(EventKind.FAILED, at, actor, reason=reason)

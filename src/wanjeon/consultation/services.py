"""Use cases of the consultation service: what the API and workers ask for.

Each use case opens one unit of work, checks the principal's right with
``accounts.policy``, changes the aggregate, records the change in the unit of work's
audit log and commits: the change and its audit entry are stored together or not at
all. Reads are appended to the audit log on their own, once they succeed.
Objects are written *before* the row that references them is committed, so a
crash leaves at most an unreferenced object (the sweep removes it), never a row
pointing at nothing; a changed or missing object is reported, not served.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, BinaryIO

from wanjeon.accounts.model import Principal
from wanjeon.accounts.policy import Action, Forbidden, require, require_on
from wanjeon.audit.ports import AuditLog
from wanjeon.consultation.case import Case
from wanjeon.consultation.lifecycle import Consultation, Decision, StoredRef
from wanjeon.consultation.model import SaleContext
from wanjeon.consultation.ports import (
    ConcurrentUpdate,
    ConsultationFilter,
    Page,
    UnitOfWork,
    VerificationRecord,
)
from wanjeon.errors import InputError, WanjeonError
from wanjeon.privacy.masking import mask_text, mask_transcript
from wanjeon.recording.storage import ObjectStore, verified_chunks
from wanjeon.transcript.model import Transcript, Utterance, Word
from wanjeon.verification.engine import Verifier

Clock = Callable[[], datetime]


class NotFound(WanjeonError):
    """No such resource, or none the principal may see (HTTP 404)."""

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"no {kind} with id {ident!r}")


class Unprocessable(WanjeonError):
    """A well-formed request the current state cannot serve (HTTP 409/422)."""


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the use cases need, built by ``bootstrap``.

    ``uow`` opens a unit of work that may change things; ``reads`` one that only reads
    (it cannot commit), which a database can serve without a transaction of its own.
    """

    uow: Callable[[], UnitOfWork]
    objects: ObjectStore
    recordings: ObjectStore
    verifier: Callable[[], Verifier]
    audit: AuditLog
    clock: Clock
    reads: Callable[[], UnitOfWork]


# --- consultations ------------------------------------------------------------------------


def open_consultation(
    s: Services,
    who: Principal,
    product_id: str,
    customer_id: str,
    context: SaleContext,
    agent: str | None = None,
) -> Consultation:
    require(who, Action.CREATE_CONSULTATION)
    seller = agent or who.subject
    if seller != who.subject and who.role.value == "seller":
        raise Forbidden(who, Action.CREATE_CONSULTATION)
    with s.uow() as uow:
        if uow.products.get(product_id) is None:
            raise NotFound("product", product_id)
        if uow.customers.get(customer_id) is None:
            raise NotFound("customer", customer_id)
        branch = who.branch
        if seller != who.subject:
            # Filed under the seller's branch, so that branch's reviewers see it.
            found = uow.accounts.get(seller)
            if found is None or not found[0].active:
                raise InputError("consultation", "agent", f"no active account {seller!r}")
            branch = found[0].branch
        consultation = Consultation.open(
            f"cs-{uuid.uuid4().hex[:16]}", product_id, customer_id, seller, branch, context, s.clock()
        )
        uow.consultations.add(consultation)
        uow.audit.append(
            actor=who.subject, action="consultation.create", target=f"consultation:{consultation.id}"
        )
        uow.commit()
    return consultation


def load_visible(
    uow: UnitOfWork, who: Principal, action: Action, consultation_id: str, *, for_update: bool = False
) -> Consultation:
    """The consultation, if ``who`` may do ``action`` to it; one they may not even see is
    ``NotFound``, exactly like one that does not exist."""
    consultation = uow.consultations.get(consultation_id, for_update=for_update)
    if consultation is None:
        raise NotFound("consultation", consultation_id)
    try:
        require_on(who, action, agent=consultation.agent, branch=consultation.branch)
    except Forbidden as exc:
        if exc.hide:
            raise NotFound("consultation", consultation_id) from None
        raise
    return consultation


def get_consultation(s: Services, who: Principal, consultation_id: str) -> Consultation:
    with s.reads() as uow:
        return load_visible(uow, who, Action.READ_CONSULTATION, consultation_id)


def list_consultations(
    s: Services, who: Principal, flt: ConsultationFilter, *, limit: int, cursor: str | None
) -> Page:
    require(who, Action.READ_CONSULTATION)
    with s.reads() as uow:
        return uow.consultations.list(who, flt, limit=limit, cursor=cursor)


def recording_event(s: Services, who: Principal, consultation_id: str, event: str) -> Consultation:
    """start / pause / resume / stop of the live recording, each a timestamped event."""
    moves = {
        "start": Consultation.start_recording,
        "pause": Consultation.pause_recording,
        "resume": Consultation.resume_recording,
        "stop": Consultation.stop_recording,
    }
    if event not in moves:
        raise Unprocessable(f"unknown recording event {event!r}; expected one of {', '.join(moves)}")
    with s.uow() as uow:
        consultation = load_visible(uow, who, Action.RECORD, consultation_id, for_update=True)
        moves[event](consultation, s.clock(), who.subject)
        uow.consultations.save(consultation)
        uow.audit.append(
            actor=who.subject, action=f"recording.{event}", target=f"consultation:{consultation_id}"
        )
        uow.commit()
    return consultation


def store_recording(
    s: Services, who: Principal, consultation_id: str, stream: BinaryIO, *, content_type: str, max_bytes: int
) -> Consultation:
    with s.reads() as uow:
        load_visible(uow, who, Action.RECORD, consultation_id).ensure_can_store_recording()
    key = f"recordings/{consultation_id}/{uuid.uuid4().hex}"
    ref = s.recordings.put(key, stream, content_type=content_type, max_bytes=max_bytes)
    try:
        with s.uow() as uow:
            consultation = load_visible(uow, who, Action.RECORD, consultation_id, for_update=True)
            consultation.store_recording(ref, s.clock(), who.subject)
            uow.consultations.save(consultation)
            uow.audit.append(
                actor=who.subject,
                action="recording.upload",
                target=f"consultation:{consultation_id}",
                detail={"sha256": ref.sha256, "size": ref.size},
            )
            uow.commit()
    except WanjeonError:
        s.recordings.delete(key)  # refused after all (a concurrent change): leave nothing behind
        raise
    return consultation


def read_recording(s: Services, who: Principal, consultation_id: str) -> tuple[StoredRef, ObjectStore]:
    with s.reads() as uow:
        consultation = load_visible(uow, who, Action.READ_RECORDING, consultation_id)
    if consultation.recording is None:
        raise NotFound("recording of consultation", consultation_id)
    s.audit.append(actor=who.subject, action="recording.read", target=f"consultation:{consultation_id}")
    return consultation.recording, s.recordings


def transcript_to_json(transcript: Transcript) -> bytes:
    return json.dumps(
        {
            "language": transcript.language,
            "segments": [
                {
                    "speaker": u.speaker.value,
                    "start": u.start,
                    "end": u.end,
                    "text": u.text,
                    **({"confidence": u.confidence} if u.confidence is not None else {}),
                    **(
                        {
                            "words": [
                                {"text": w.text, "start": w.start, "end": w.end, "confidence": w.confidence}
                                for w in u.words
                            ]
                        }
                        if u.words
                        else {}
                    ),
                }
                for u in transcript.segments
            ],
        },
        ensure_ascii=False,
    ).encode("utf-8")


def store_transcript(
    s: Services, who: Principal, consultation_id: str, transcript: Transcript
) -> Consultation:
    """Personal data is masked before anything is stored (positions kept, so evidence stays right)."""
    masked = mask_transcript(transcript)
    body = transcript_to_json(masked)
    with s.reads() as uow:
        load_visible(uow, who, Action.RECORD, consultation_id).ensure_can_store_transcript()
    key = f"transcripts/{consultation_id}/{hashlib.sha256(body).hexdigest()[:16]}.json"
    ref = s.objects.put(key, io.BytesIO(body), content_type="application/json")
    with s.uow() as uow:
        consultation = load_visible(uow, who, Action.RECORD, consultation_id, for_update=True)
        consultation.store_transcript(ref, s.clock(), who.subject)
        uow.consultations.save(consultation)
        uow.audit.append(
            actor=who.subject,
            action="transcript.update",
            target=f"consultation:{consultation_id}",
            detail={"sha256": ref.sha256, "segments": len(masked.segments)},
        )
        uow.commit()
    return consultation


def load_transcript(s: Services, ref: StoredRef) -> Transcript:
    from wanjeon.transcript.model import Speaker

    data = json.loads(b"".join(verified_chunks(s.objects, ref)))
    return Transcript(
        tuple(
            Utterance(
                Speaker(seg["speaker"]),
                seg["text"],
                seg.get("start"),
                seg.get("end"),
                tuple(
                    Word(w["text"], w.get("start"), w.get("end"), w.get("confidence"))
                    for w in seg.get("words", [])
                ),
                seg.get("confidence"),
            )
            for seg in data["segments"]
        ),
        data.get("language", "ko"),
    )


def read_transcript(s: Services, who: Principal, consultation_id: str) -> Transcript:
    with s.reads() as uow:
        consultation = load_visible(uow, who, Action.READ_REPORT, consultation_id)
    if consultation.transcript is None:
        raise NotFound("transcript of consultation", consultation_id)
    transcript = load_transcript(s, consultation.transcript)
    s.audit.append(actor=who.subject, action="transcript.read", target=f"consultation:{consultation_id}")
    return transcript


def verification_history(s: Services, who: Principal, consultation_id: str) -> list[VerificationRecord]:
    with s.reads() as uow:
        load_visible(uow, who, Action.READ_REPORT, consultation_id)
        records = uow.verifications.history(consultation_id)
    s.audit.append(actor=who.subject, action="report.list", target=f"consultation:{consultation_id}")
    return records


def verify_consultation(s: Services, who: Principal, consultation_id: str) -> VerificationRecord:
    with s.reads() as uow:
        consultation = load_visible(uow, who, Action.VERIFY, consultation_id)
        if consultation.transcript is None:
            raise Unprocessable(f"consultation {consultation_id} has no transcript to verify yet")
        product = uow.products.get(consultation.product_id)
        customer = uow.customers.get(consultation.customer_id)
    if product is None:
        raise NotFound("product", consultation.product_id)
    transcript = load_transcript(s, consultation.transcript)
    verifier = s.verifier()
    report = verifier.verify(Case(consultation.id, product, transcript, customer, consultation.context))
    record = VerificationRecord(
        f"vr-{uuid.uuid4().hex[:16]}",
        consultation_id,
        report.rulebook_version,
        consultation.transcript.sha256,
        report.verdict.value,
        report.to_dict(),
        s.clock(),
        who.subject,
        consultation.transcript.key,
    )
    with s.uow() as uow:
        current = load_visible(uow, who, Action.VERIFY, consultation_id, for_update=True)
        if current.transcript is None or current.transcript.sha256 != record.transcript_sha256:
            raise ConcurrentUpdate(
                f"the transcript of {consultation_id} changed while it was verified; retry"
            )
        record = replace(record, created_at=s.clock())
        uow.rulebooks.ensure(rulebook_version_of(verifier, s.clock()))
        uow.verifications.add(record)
        current.record_verification(
            record.id, record.verdict, record.rulebook_version, s.clock(), who.subject
        )
        uow.consultations.save(current)
        uow.audit.append(
            actor=who.subject,
            action="report.create",
            target=f"consultation:{consultation_id}",
            detail={
                "verification": record.id,
                "verdict": record.verdict,
                "rulebook_version": record.rulebook_version,
            },
        )
        uow.commit()
    return record


def rulebook_version_of(verifier: Verifier, at: datetime) -> Any:
    from wanjeon.consultation.ports import RulebookVersion

    book = verifier.rulebook
    content = json.dumps(
        {
            "version": book.version,
            "items": [i.id for i in book.items],
            "violations": [v.id for v in book.violations],
            "matrix": book.suitability_matrix,
        },
        sort_keys=True,
    )
    return RulebookVersion(book.version, hashlib.sha256(content.encode()).hexdigest(), content, at)


def latest_report(
    s: Services, who: Principal, consultation_id: str
) -> tuple[Consultation, VerificationRecord]:
    with s.reads() as uow:
        consultation = load_visible(uow, who, Action.READ_REPORT, consultation_id)
        record = uow.verifications.latest(consultation_id)
    if record is None:
        raise NotFound("report of consultation", consultation_id)
    s.audit.append(
        actor=who.subject,
        action="report.read",
        target=f"consultation:{consultation_id}",
        detail={"verification": record.id},
    )
    return consultation, record


def review_consultation(
    s: Services, who: Principal, consultation_id: str, decision: Decision, comment: str
) -> Consultation:
    with s.uow() as uow:
        consultation = load_visible(uow, who, Action.REVIEW, consultation_id, for_update=True)
        consultation.review(decision, mask_text(comment), s.clock(), who.subject)
        uow.consultations.save(consultation)
        uow.audit.append(
            actor=who.subject,
            action="consultation.review",
            target=f"consultation:{consultation_id}",
            detail={"decision": decision.value},
        )
        uow.commit()
    return consultation

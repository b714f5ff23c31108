"""Consultations: create, list, read, record, transcribe, verify, report, review."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from wanjeon.adapters.files.transcripts import read_text_transcript, transcript_from_data
from wanjeon.consultation import services
from wanjeon.consultation.model import Channel, SaleContext
from wanjeon.consultation.ports import ConsultationFilter
from wanjeon.entrypoints.api.deps import ContainerDep, CurrentPrincipal, ServicesDep, json_response
from wanjeon.entrypoints.api.idempotency import idempotent
from wanjeon.entrypoints.api.media import audio_type, byte_range
from wanjeon.entrypoints.api.pages import render_report_page
from wanjeon.entrypoints.api.problems import UnsupportedMedia
from wanjeon.entrypoints.api.schemas import (
    ConsultationCreate,
    ConsultationPage,
    ConsultationRead,
    RecordingEvent,
    ReviewCreate,
    VerificationRead,
)
from wanjeon.errors import InputError
from wanjeon.recording.storage import ObjectTooLarge
from wanjeon.recording.storage import verify as verify_object
from wanjeon.transcript.model import Transcript

router = APIRouter(prefix="/api/v1/consultations", tags=["consultations"])

_TRANSCRIPT_TYPES = {"text/plain": "text", "text/vtt": "vtt", "application/x-subrip": "srt"}


@router.post("", status_code=201, response_model=ConsultationRead)
async def create(
    body: ConsultationCreate, request: Request, who: CurrentPrincipal, s: ServicesDep, container: ContainerDep
) -> Response:
    def run() -> tuple[int, bytes]:
        context = SaleContext(body.context.recommended, Channel(body.context.channel))
        created = services.open_consultation(s, who, body.product_id, body.customer_id, context, body.agent)
        return 201, ConsultationRead.of(created).model_dump_json().encode()

    return await idempotent(request, container, who, run)


@router.get("", response_model=ConsultationPage)
def list_(
    who: CurrentPrincipal,
    s: ServicesDep,
    verdict: Annotated[str | None, Query(pattern="^(pass|review|fail)$")] = None,
    status: Annotated[str | None, Query(pattern="^[a-z_]+$")] = None,
    product_id: str | None = None,
    agent: str | None = None,
    branch: str | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Response:
    flt = ConsultationFilter(verdict, status, product_id, agent, branch, _utc(from_, "from"), _utc(to, "to"))
    page = services.list_consultations(s, who, flt, limit=limit, cursor=cursor)
    items = [ConsultationRead.of(c) for c in page.items]
    return json_response(ConsultationPage(items=items, next_cursor=page.next_cursor))


def _utc(value: datetime | None, name: str) -> datetime | None:
    """A time filter in UTC; one without a time zone is read as UTC."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise InputError("query", name, "outside the range of representable times") from None


@router.get("/{consultation_id}", response_model=ConsultationRead)
def read(consultation_id: str, who: CurrentPrincipal, s: ServicesDep) -> Response:
    return json_response(ConsultationRead.of(services.get_consultation(s, who, consultation_id)))


@router.post("/{consultation_id}/recording/events", response_model=ConsultationRead)
def recording_event(
    consultation_id: str, body: RecordingEvent, who: CurrentPrincipal, s: ServicesDep
) -> Response:
    return json_response(ConsultationRead.of(services.recording_event(s, who, consultation_id, body.event)))


@router.post("/{consultation_id}/recording", status_code=202, response_model=ConsultationRead)
async def upload_recording(
    consultation_id: str,
    file: UploadFile,
    request: Request,
    who: CurrentPrincipal,
    s: ServicesDep,
    container: ContainerDep,
) -> Response:
    limit = container.settings.max_upload_mb * 1024 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise ObjectTooLarge(file.filename or "recording", limit)
    head = await file.read(64)
    kind = audio_type(head)
    if kind is None:
        raise UnsupportedMedia(
            f"{file.filename or 'the upload'} is not audio (WAV, MP3, OGG, FLAC, M4A, WebM)"
        )
    await file.seek(0)
    digest = hashlib.sha256()
    while chunk := await file.read(1024 * 1024):
        digest.update(chunk)
    await file.seek(0)

    def run() -> tuple[int, bytes]:
        stored = services.store_recording(
            s, who, consultation_id, file.file, content_type=kind, max_bytes=limit
        )
        return 202, ConsultationRead.of(stored).model_dump_json().encode()

    return await idempotent(request, container, who, run, fingerprint=digest.hexdigest())


@router.get(
    "/{consultation_id}/recording",
    response_class=Response,
    responses={
        200: {"content": {"audio/*": {}}, "description": "The audio"},
        206: {"content": {"audio/*": {}}, "description": "A byte range of the audio"},
        416: {"description": "Range not satisfiable"},
    },
)
def download_recording(
    consultation_id: str,
    who: CurrentPrincipal,
    s: ServicesDep,
    range_: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    ref, store = services.read_recording(s, who, consultation_id)
    headers = {"Accept-Ranges": "bytes", "ETag": f'"{ref.sha256}"'}
    wanted = byte_range(range_, ref.size)
    if wanted is not None:
        start, end = wanted
        body = store.read_range(ref.key, start, end)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{ref.size}"
        return Response(body, status_code=206, media_type=ref.content_type, headers=headers)
    headers["Content-Length"] = str(ref.size)
    verify_object(store, ref)  # a changed or missing object is reported before a byte of it is served
    return StreamingResponse(store.open(ref.key), media_type=ref.content_type, headers=headers)


_TRANSCRIPT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["segments"],
                    "properties": {
                        "language": {"type": "string"},
                        "segments": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["speaker", "text"],
                                "properties": {
                                    "speaker": {"enum": ["agent", "customer", "unknown"]},
                                    "start": {"type": ["number", "null"]},
                                    "end": {"type": ["number", "null"]},
                                    "text": {"type": "string", "minLength": 1},
                                },
                            },
                        },
                    },
                }
            },
            "text/plain": {"schema": {"type": "string"}},
            "text/vtt": {"schema": {"type": "string"}},
            "application/x-subrip": {"schema": {"type": "string"}},
        },
    }
}


@router.put(
    "/{consultation_id}/transcript",
    response_model=ConsultationRead,
    openapi_extra=_TRANSCRIPT_BODY,
    responses={415: {"description": "Not a transcript media type"}},
)
async def put_transcript(
    consultation_id: str, request: Request, who: CurrentPrincipal, s: ServicesDep
) -> Response:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    raw = await request.body()
    if len(raw) > 20 * 1024 * 1024:
        raise InputError("transcript", "", "a transcript is limited to 20 MB")

    def run() -> Response:
        stored = services.store_transcript(s, who, consultation_id, _transcript(raw, content_type))
        return json_response(ConsultationRead.of(stored))

    return await run_in_threadpool(run)


def _transcript(raw: bytes, content_type: str) -> Transcript:
    """The transcript a PUT carries, read by its media type."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("transcript", "", "not UTF-8 text") from None
    if content_type == "application/json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError("transcript", "", f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
        return transcript_from_data(data, "transcript")
    if content_type in _TRANSCRIPT_TYPES:
        return read_text_transcript(text, _TRANSCRIPT_TYPES[content_type], "transcript")  # type: ignore[arg-type]
    raise UnsupportedMedia(
        f"transcripts are JSON, text/plain, text/vtt or application/x-subrip, not {content_type}"
    )


@router.get("/{consultation_id}/transcript")
def get_transcript(consultation_id: str, who: CurrentPrincipal, s: ServicesDep) -> Response:
    """The stored transcript (personal data already masked), checked against its sha256."""
    transcript = services.read_transcript(s, who, consultation_id)
    return Response(services.transcript_to_json(transcript), media_type="application/json")


@router.get("/{consultation_id}/verifications", response_model=list[VerificationRead])
def verifications(consultation_id: str, who: CurrentPrincipal, s: ServicesDep) -> list[VerificationRead]:
    """Every verification, oldest first: re-verification with a newer rulebook keeps the old reports."""
    return [VerificationRead.of(r) for r in services.verification_history(s, who, consultation_id)]


@router.post("/{consultation_id}/verification", response_model=VerificationRead)
async def verify(
    consultation_id: str, request: Request, who: CurrentPrincipal, s: ServicesDep, container: ContainerDep
) -> Response:
    def run() -> tuple[int, bytes]:
        record = services.verify_consultation(s, who, consultation_id)
        return 200, VerificationRead.of(record).model_dump_json().encode()

    return await idempotent(request, container, who, run)


@router.get(
    "/{consultation_id}/report",
    response_model=VerificationRead,
    responses={200: {"content": {"text/html": {}}}},
)
def report(
    consultation_id: str,
    who: CurrentPrincipal,
    s: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    consultation, record = services.latest_report(s, who, consultation_id)
    body = VerificationRead.of(record)
    if accept and "text/html" in accept and "application/json" not in accept:
        return HTMLResponse(render_report_page(consultation, body))
    return json_response(body)


@router.post("/{consultation_id}/review", response_model=ConsultationRead)
async def review(
    consultation_id: str,
    body: ReviewCreate,
    request: Request,
    who: CurrentPrincipal,
    s: ServicesDep,
    container: ContainerDep,
) -> Response:
    def run() -> tuple[int, bytes]:
        reviewed = services.review_consultation(s, who, consultation_id, body.decision, body.comment)
        return 200, ConsultationRead.of(reviewed).model_dump_json().encode()

    return await idempotent(request, container, who, run)

"""``WS /api/v1/consultations/{id}/live``: text said during the consultation in, the
checklist as it ticks itself and warnings out.

The protocol, one JSON object per text frame (``docs`` in the README):

1. authenticate with ``Authorization: Bearer …`` on the handshake or, from a browser, with
   ``{"type": "auth", "token": "…"}`` as the first message (within 10 s);
2. the server answers ``{"type": "ready", "checklist": [...]}`` with the items this sale
   requires, or an ``error`` and a close code of 4000 + the HTTP status (4401, 4403, 4404,
   4409) when the session cannot open;
3. ``{"type": "segment", "speaker": "agent", "text": "…", "start": 12.0, "end": 15.5}``
   for each utterance; each is answered with one ``update``: the items that changed, new
   ``warnings`` (violations), ``withdrawn`` warnings, near-miss ``flags``, the progress and
   the verdict were the consultation to end now;
4. ``{"type": "end"}`` stores what was said as the consultation's transcript (masked,
   audited) and verifies it, with the token checked again; the server answers
   ``{"type": "report", ...}`` and closes. ``end`` always ends the session: with nothing
   said, it stores nothing and closes with a 409 error.

A bad message is answered with ``{"type": "error", "status": 422, ...}`` naming the field,
and the session goes on; past ``MAX_SEGMENTS`` or ``MAX_CHARACTERS`` a segment is refused
with 413 (end the session, or upload the transcript). Re-judging runs on a share of the
worker's threads (``Limiters.live``), so live sessions cannot starve the other routes.

Audio frames need speech recognition, which comes with its own issue; until then a binary
frame is answered with a 415 error. A connection that drops before ``end`` stores nothing:
the recording, uploaded or recorded, stays the record.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Literal

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool

from wanjeon.adapters.auth.tokens import Unauthenticated
from wanjeon.bootstrap import Container
from wanjeon.consultation.live import finish_live, open_live
from wanjeon.entrypoints.api.deps import limiter
from wanjeon.entrypoints.api.problems import describe, detail_of
from wanjeon.entrypoints.api.schemas import VerificationRead
from wanjeon.errors import WanjeonError
from wanjeon.privacy.masking import mask_report_dict
from wanjeon.transcript.model import Speaker, Utterance
from wanjeon.verification.live import LiveUpdate, LiveVerification
from wanjeon.verification.report import ItemStatus

router = APIRouter(prefix="/api/v1/consultations", tags=["live"])
logger = logging.getLogger("wanjeon.api.live")

AUTH_SECONDS = 10.0
MAX_TEXT = 10_000
#: a live session holds at most this much, far beyond any consultation (30 minutes are about
#: 250 segments and 10,000 characters). Each utterance re-judges all that was said before
#: it, so these bound the CPU one session can take.
MAX_SEGMENTS = 5_000
MAX_CHARACTERS = 2_000_000


class Segment(BaseModel):
    """One utterance, as said."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["segment"]
    speaker: Speaker
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    start: float | None = Field(default=None, ge=0)
    end: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Segment:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self

    def utterance(self) -> Utterance:
        return Utterance(self.speaker, self.text, self.start, self.end)


class _Refused(Exception):
    """The session ends with an error message and close code 4000 + ``status``."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        self.status, self.title, self.detail = status, title, detail


@router.websocket("/{consultation_id}/live")
async def live(websocket: WebSocket, consultation_id: str) -> None:
    container: Container = websocket.app.state.container
    s = container.services
    threads = limiter(websocket.app, "live")
    await websocket.accept()
    try:
        token = await _token(websocket)
        who = await run_in_threadpool(container.authenticate, token)
        session = await run_in_threadpool(open_live, s, who, consultation_id)
        await websocket.send_json(_ready(consultation_id, session))
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await _error(websocket, 415, "Unsupported media type", _NO_AUDIO)
                continue
            data = _parse(message.get("text") or "")
            if data is None:
                await _error(websocket, 422, "Invalid input", "a message is one JSON object with a type")
            elif data.get("type") == "segment":
                await _segment(websocket, session, data, threads)
            elif data.get("type") == "end":
                # the token may have expired, or its account been retired, since the session opened
                who = await run_in_threadpool(container.authenticate, token)
                record = await run_in_threadpool(finish_live, s, who, consultation_id, session.transcript)
                await websocket.send_json({"type": "report", **_json(VerificationRead.of(record))})
                await websocket.close(1000)
                return
            else:
                await _error(websocket, 422, "Invalid input", "type: expected segment or end")
    except _Refused as refused:
        await _close(websocket, refused.status, refused.title, refused.detail)
    except WanjeonError as exc:
        status, title, _, _ = describe(exc)
        await _close(websocket, status, title, detail_of(exc))
    except WebSocketDisconnect:
        return
    except Exception:
        logger.exception("live session of %s failed", consultation_id)
        await _close(websocket, 500, "Internal error", "an unexpected error occurred; it has been logged")


_HOW_TO_AUTHENTICATE = 'send Authorization: Bearer on the handshake, or {"type": "auth", "token": …} first'
_NO_AUDIO = (
    "audio frames need speech recognition, which this server does not run yet; "
    'send text segments: {"type": "segment", "speaker": "agent", "text": "…"}'
)


async def _token(websocket: WebSocket) -> str:
    """The bearer token of the handshake, or of the first message."""
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    try:
        first = await asyncio.wait_for(websocket.receive(), AUTH_SECONDS)
    except TimeoutError:
        raise _Refused(401, "Not authenticated", "no token within 10 s") from None
    if first["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(first.get("code", 1000))
    data = _parse(first.get("text") or "") or {}
    token = data.get("token", "") if data.get("type") == "auth" else ""
    if not isinstance(token, str) or not token.strip():
        raise Unauthenticated(_HOW_TO_AUTHENTICATE)
    return token.strip()


async def _segment(
    websocket: WebSocket, session: LiveVerification, data: dict[str, Any], threads: CapacityLimiter | None
) -> None:
    said = session.transcript.segments
    if len(said) >= MAX_SEGMENTS or sum(len(u.text) for u in said) >= MAX_CHARACTERS:
        limits = f"{MAX_SEGMENTS:,} segments or {MAX_CHARACTERS:,} characters"
        await _error(websocket, 413, "Too large", f"a live session holds at most {limits}; end it")
        return
    try:
        segment = Segment.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or "segment", "reason": e["msg"]}
            for e in exc.errors()
        ]
        detail = f"{errors[0]['field']}: {errors[0]['reason']}"
        await _error(websocket, 422, "Invalid input", detail, errors=errors)
        return
    update = await anyio.to_thread.run_sync(session.add, segment.utterance(), limiter=threads)
    await websocket.send_json(_update(session, update))


def _ready(consultation_id: str, session: LiveVerification) -> dict[str, Any]:
    checklist = session.checklist
    return {
        "type": "ready",
        "consultation_id": consultation_id,
        "checklist": [
            {"id": rule.id, "title": rule.title, "severity": str(rule.severity), "confirm": rule.confirm}
            for rule in checklist
        ],
        "progress": {"covered": 0, "total": len(checklist)},
    }


def _update(session: LiveVerification, update: LiveUpdate) -> dict[str, Any]:
    titles = {rule.id: rule.title for rule in session.checklist}
    report = update.report
    body = mask_report_dict(
        {
            "items": [{**item.to_dict(), "title": titles.get(item.id, item.id)} for item in update.items],
            "warnings": [v.to_dict() for v in update.violations],
            "flags": [f.to_dict() for f in update.flags],
        }
    )
    return {
        "type": "update",
        "segment": update.segment,
        **body,
        "withdrawn": [{"id": v.id, "segment": v.segment} for v in update.withdrawn],
        "progress": {
            "covered": sum(1 for i in report.items if i.status is ItemStatus.COVERED),
            "total": len(report.items),
        },
        "verdict": str(report.verdict),
    }


def _parse(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _json(model: BaseModel) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(model.model_dump_json())
    return body


async def _error(websocket: WebSocket, status: int, title: str, detail: str, **extra: Any) -> None:
    await websocket.send_json({"type": "error", "status": status, "title": title, "detail": detail, **extra})


async def _close(websocket: WebSocket, status: int, title: str, detail: str) -> None:
    try:
        await _error(websocket, status, title, detail)
        await websocket.close(4000 + status if 400 <= status < 500 else 1011)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client has gone already

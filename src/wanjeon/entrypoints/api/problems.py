"""RFC 9457 problem details: every error leaves the API as ``application/problem+json``.

Domain errors are mapped to status codes here, in one place; a ``detail`` names
the field and the reason, and ``errors`` lists every invalid field for 422.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from wanjeon.accounts.policy import Forbidden
from wanjeon.adapters.auth.tokens import Unauthenticated
from wanjeon.consultation.lifecycle import IllegalTransition
from wanjeon.consultation.ports import AlreadyExists, ConcurrentUpdate
from wanjeon.consultation.services import NotFound, Unprocessable
from wanjeon.errors import InputError, WanjeonError
from wanjeon.recording.storage import IntegrityError, ObjectMissing, ObjectTooLarge

PROBLEM = "application/problem+json"
logger = logging.getLogger("wanjeon.api")
BASE = "https://wanjeon.dev/problems/"


def problem(
    status: int, title: str, detail: str, kind: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": BASE + kind, "title": title, "status": status, "detail": detail, **extra}
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers or None)


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


def _described(status: int, what: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": what,
        "content": {PROBLEM: {"schema": Problem.model_json_schema()}},
    }


#: The errors every authenticated route may answer, declared in the OpenAPI document.
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _described(401, "No valid bearer token"),
    403: _described(403, "The role may not do this"),
    404: _described(404, "No such resource, or none visible to the caller"),
    409: _described(409, "Not allowed in the current state, or changed concurrently"),
    422: _described(422, "Invalid input: the field and the reason"),
}


class UnsupportedMedia(WanjeonError):
    """A body whose content is not what the route accepts (HTTP 415)."""


_MAP: list[tuple[type[Exception], int, str, str]] = [
    (Unauthenticated, 401, "Not authenticated", "unauthenticated"),
    (NotFound, 404, "Not found", "not-found"),
    (IllegalTransition, 409, "Not allowed in this state", "illegal-transition"),
    (ConcurrentUpdate, 409, "Changed by someone else", "concurrent-update"),
    (AlreadyExists, 409, "Already exists", "already-exists"),
    (ObjectTooLarge, 413, "Too large", "too-large"),
    (UnsupportedMedia, 415, "Unsupported media type", "unsupported-media-type"),
    (InputError, 422, "Invalid input", "invalid-input"),
    (Unprocessable, 409, "Cannot do that yet", "unprocessable"),
    (IntegrityError, 500, "Stored object failed its integrity check", "integrity"),
    (ObjectMissing, 500, "Stored object is missing", "object-missing"),
]


def describe(exc: WanjeonError) -> tuple[int, str, str, dict[str, Any]]:
    """(status, title, kind, extra members) of a domain error: the one mapping, shared by
    HTTP answers and the live session's error messages."""
    if isinstance(exc, Forbidden):
        return (404, "Not found", "not-found", {}) if exc.hide else (403, "Forbidden", "forbidden", {})
    for cls, status, title, kind in _MAP:
        if isinstance(exc, cls):
            extra: dict[str, Any] = {}
            if isinstance(exc, InputError):
                extra = {"errors": [{"field": exc.field, "reason": exc.reason}]}
            return status, title, kind, extra
    return 500, "Internal error", "internal", {}


def detail_of(exc: WanjeonError) -> str:
    return "no such resource" if isinstance(exc, Forbidden) and exc.hide else str(exc)


def install(app: FastAPI) -> None:
    @app.exception_handler(WanjeonError)
    async def domain(_: Request, exc: WanjeonError) -> JSONResponse:
        status, title, kind, extra = describe(exc)
        return problem(status, title, detail_of(exc), kind, **extra)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "reason": e["msg"]}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "", "reason": "invalid request"}
        return problem(
            422, "Invalid input", f"{first['field']}: {first['reason']}", "invalid-input", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # exc.headers carries what the status needs (Allow on 405, Content-Range on 416)
        return problem(
            exc.status_code, str(exc.detail), str(exc.detail), f"http-{exc.status_code}", headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=exc)
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged", "internal")

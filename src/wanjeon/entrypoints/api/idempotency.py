"""``Idempotency-Key`` on POSTs: a retried request gets the first answer, not a second effect.

The key is scoped to the caller; reusing it for a different request is refused
(422) rather than silently answered with the other request's response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from wanjeon.accounts.model import Principal
from wanjeon.bootstrap import Container
from wanjeon.consultation.ports import AlreadyExists, StoredResponse
from wanjeon.errors import InputError


async def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}".encode())
    if request.headers.get("content-type", "").startswith("multipart/"):
        digest.update(request.headers.get("content-length", "").encode())
    else:
        digest.update(await request.body())
    return digest.hexdigest()


async def idempotent(
    request: Request,
    container: Container,
    who: Principal,
    run: Callable[[], tuple[int, bytes]],
    *,
    fingerprint: str = "",
) -> Response:
    """Run ``run`` once per key; ``fingerprint`` names the body when the request body
    itself cannot be read again (a multipart upload: the digest of the file)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        status, body = await run_in_threadpool(run)
        return Response(body, status_code=status, media_type="application/json")
    if not 1 <= len(key) <= 255:
        raise InputError("headers", "Idempotency-Key", "must be 1 to 255 characters")
    fingerprint = await _fingerprint(request) + fingerprint
    uow_factory = container.services.uow
    with uow_factory() as uow:
        stored = uow.idempotency.get(who.subject, key)
    if stored is not None:
        if stored.request_hash != fingerprint:
            raise InputError("headers", "Idempotency-Key", "was already used for a different request")
        return Response(
            stored.body,
            status_code=stored.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    status, body = await run_in_threadpool(run)
    try:
        with uow_factory() as uow:
            uow.idempotency.put(who.subject, key, StoredResponse(status, body, {}, fingerprint))
            uow.commit()
    except AlreadyExists:
        pass  # a concurrent retry with the same key finished first; both effects were the same request
    return Response(body, status_code=status, media_type="application/json")

"""``Idempotency-Key`` on POSTs: a retried request gets the first answer, not a second effect.

The key is scoped to the caller; reusing it for a different request is refused
(422) rather than silently answered with the other request's response. The key is
reserved before the request runs, so two concurrent retries cannot both take effect:
the second waits for the first's answer and replays it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from wanjeon.accounts.model import Principal
from wanjeon.bootstrap import Container
from wanjeon.consultation.ports import AlreadyExists, StoredResponse, UnitOfWork
from wanjeon.consultation.services import Unprocessable
from wanjeon.errors import InputError

Uows = Callable[[], UnitOfWork]
#: status of a reserved key whose request is still running
PENDING = 0
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05


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
    stored = await _reserve(uow_factory, who.subject, key, fingerprint)
    if stored is not None:
        if stored.request_hash != fingerprint:
            raise InputError("headers", "Idempotency-Key", "was already used for a different request")
        if stored.status_code == PENDING:
            raise Unprocessable("a request with this Idempotency-Key is still in progress; retry later")
        return Response(
            stored.body,
            status_code=stored.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    try:
        status, body = await run_in_threadpool(run)
    except BaseException:
        # the request failed: the key is free for a retry
        await run_in_threadpool(_release, uow_factory, who.subject, key)
        raise
    await run_in_threadpool(
        _complete, uow_factory, who.subject, key, StoredResponse(status, body, {}, fingerprint)
    )
    return Response(body, status_code=status, media_type="application/json")


async def _reserve(uow_factory: Uows, principal: str, key: str, fingerprint: str) -> StoredResponse | None:
    """Reserve the key, or return what holds it; a concurrent twin is waited for briefly.

    The database work runs on the thread pool: a write may wait for a lock, and the
    event loop must not wait with it."""
    if await run_in_threadpool(_put_pending, uow_factory, principal, key, fingerprint):
        return None
    for _ in range(int(WAIT_SECONDS / POLL_SECONDS)):
        stored = await run_in_threadpool(_stored, uow_factory, principal, key)
        if stored is None or stored.status_code != PENDING or stored.request_hash != fingerprint:
            return stored if stored is not None else await _reserve(uow_factory, principal, key, fingerprint)
        await asyncio.sleep(POLL_SECONDS)
    return stored


def _put_pending(uow_factory: Uows, principal: str, key: str, fingerprint: str) -> bool:
    try:
        with uow_factory() as uow:
            uow.idempotency.put(principal, key, StoredResponse(PENDING, b"", {}, fingerprint))
            uow.commit()
    except AlreadyExists:
        return False
    return True


def _stored(uow_factory: Uows, principal: str, key: str) -> StoredResponse | None:
    with uow_factory() as uow:
        return uow.idempotency.get(principal, key)


def _complete(uow_factory: Uows, principal: str, key: str, answer: StoredResponse) -> None:
    with uow_factory() as uow:
        uow.idempotency.complete(principal, key, answer)
        uow.commit()


def _release(uow_factory: Uows, principal: str, key: str) -> None:
    with uow_factory() as uow:
        uow.idempotency.release(principal, key)
        uow.commit()

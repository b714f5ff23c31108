"""The HTTP application: ``create_app(container)``; nothing connects at import time."""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wanjeon import __version__
from wanjeon.bootstrap import Container
from wanjeon.entrypoints.api import problems
from wanjeon.entrypoints.api.deps import Limiters
from wanjeon.entrypoints.api.routes import audit, auth, catalogue, consultations, health, live

REQUESTS = Counter("wanjeon_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("wanjeon_http_request_seconds", "HTTP request latency", ["method", "route"])


class Measured:
    """Request count and latency per route for /metrics, as plain ASGI middleware
    (Starlette's BaseHTTPMiddleware costs a task and a stream copy per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
            REQUESTS.labels(scope["method"], route, str(status[0])).inc()


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and run_in_threadpool share anyio's default limiter (40 threads).
        # Each worker process has one interpreter lock, so threads beyond what the database
        # and object store can serve at once only take turns with the event loop and add
        # to every request's latency.
        threads = container.settings.worker_threads
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        # Threads of their own for what must not wait behind uploads and verifications
        # (the probes a Kubernetes kubelet sends), and a share the live sessions, each
        # re-verifying on every utterance, may not exceed.
        app.state.limiters = Limiters(
            probes=anyio.CapacityLimiter(2), live=anyio.CapacityLimiter(max(1, threads // 2))
        )
        # What start-up built (routes, schemas, compiled statements) lives as long as the
        # worker: frozen, full collections no longer walk it, and their pauses (tens of
        # milliseconds, the service's p99) go away.
        gc.collect()
        gc.freeze()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="wanjeon",
        version=__version__,
        summary="완전판매: verification of sales consultations under the Financial Consumer Protection Act",
    )
    app.state.container = container
    problems.install(app)
    app.include_router(auth.router, responses={422: problems.RESPONSES[422], 401: problems.RESPONSES[401]})
    for module in (catalogue, consultations, audit):
        app.include_router(module.router, responses=problems.RESPONSES)
    app.include_router(live.router)
    app.include_router(health.router)

    app.add_middleware(Measured)
    return app

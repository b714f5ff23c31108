"""The HTTP application: ``create_app(container)``; nothing connects at import time."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import Counter, Histogram

from wanjeon import __version__
from wanjeon.bootstrap import Container
from wanjeon.entrypoints.api import problems
from wanjeon.entrypoints.api.routes import audit, auth, catalogue, consultations, health

REQUESTS = Counter("wanjeon_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("wanjeon_http_request_seconds", "HTTP request latency", ["method", "route"])


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="wanjeon",
        version=__version__,
        summary="완전판매: verification of sales consultations under the Financial Consumer Protection Act",
    )
    app.state.container = container
    problems.install(app)
    app.include_router(auth.router, responses={422: problems.RESPONSES[422], 401: problems.RESPONSES[401]})
    for module in (catalogue, consultations, audit):
        app.include_router(module.router, responses=problems.RESPONSES)
    app.include_router(health.router)

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        return response

    return app

"""Liveness, readiness (the database and the object store answer) and Prometheus metrics."""

from __future__ import annotations

import os
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text

from wanjeon.bootstrap import Container
from wanjeon.entrypoints.api.deps import ContainerDep, limiter
from wanjeon.entrypoints.api.problems import problem

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str | int]:
    """Alive; ``worker`` is the process id, to tell the workers of ``serve --workers`` apart."""
    return {"status": "ok", "worker": os.getpid()}


@router.get("/readyz", response_model=None)
async def readyz(request: Request, container: ContainerDep) -> Any:
    """Ready when the database and the object store answer. The checks run on threads of
    their own, so a worker busy with uploads and verifications still answers its probe."""
    checks = await anyio.to_thread.run_sync(_checks, container, limiter=limiter(request.app, "probes"))
    if all(v == "ok" for v in checks.values()):
        return {"status": "ready", "checks": checks}
    return problem(
        503, "Not ready", "; ".join(f"{k}: {v}" for k, v in checks.items()), "not-ready", checks=checks
    )


def _checks(container: Container) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        with container.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        container.services.objects.exists("readyz-probe")
        checks["objects"] = "ok"
    except Exception as exc:
        checks["objects"] = f"unreachable: {type(exc).__name__}"
    return checks


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request) -> Response:
    """Prometheus metrics; under ``serve --workers`` those of every worker, summed."""
    return await anyio.to_thread.run_sync(_metrics, limiter=limiter(request.app, "probes"))


def _metrics() -> Response:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

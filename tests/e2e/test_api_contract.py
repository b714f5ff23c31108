"""The cross-cutting contract of the API, on both stacks: idempotent POSTs, the operations
routes, the OpenAPI document against api.md's route table, and RFC 9457 errors everywhere.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import pytest
from starlette.routing import WebSocketRoute

from e2e import api_support
from e2e.api_support import Stack, load_case, problem

service, api_infra = api_support.service, api_support.api_infra  # the stacks, as fixtures

API = "/api/v1"


def test_an_idempotency_key_replays_the_first_creation_and_refuses_a_different_body(service: Stack) -> None:
    before = len(service.list_all("admin"))
    key = f"create-{uuid.uuid4()}"
    body = {"customer_id": "c-d17", "product_id": "dep-fixed-12m", "context": {"channel": "phone"}}
    headers = service.auth("seller_b") | {"Idempotency-Key": key}
    first = service.client.post(f"{API}/consultations", json=body, headers=headers)
    again = service.client.post(f"{API}/consultations", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(service.list_all("admin")) == before + 1

    other = {**body, "context": {"channel": "video"}}
    refused = problem(service.client.post(f"{API}/consultations", json=other, headers=headers), 422)
    assert "Idempotency-Key" in refused["detail"]
    someone_else = service.client.post(
        f"{API}/consultations", json=body, headers=service.auth("admin") | {"Idempotency-Key": key}
    )
    assert someone_else.status_code == 201 and someone_else.json()["id"] != first.json()["id"]
    assert len(service.list_all("admin")) == before + 2


# --- operations, the OpenAPI document and errors ----------------------------------------------------


def test_health_readiness_and_metrics_answer_without_a_token(service: Stack) -> None:
    assert service.client.get("/healthz").json() == {"status": "ok", "worker": os.getpid()}
    ready = service.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "objects": "ok"}}
    metrics = service.client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert 'wanjeon_http_requests_total{method="GET",route="/readyz",status="200"}' in metrics.text


API_MD_ROUTES = [
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products/{}"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/{}"),
    ("post", "/api/v1/consultations"),
    ("get", "/api/v1/consultations"),
    ("get", "/api/v1/consultations/{}"),
    ("post", "/api/v1/consultations/{}/recording"),
    ("put", "/api/v1/consultations/{}/transcript"),
    ("post", "/api/v1/consultations/{}/verification"),
    ("get", "/api/v1/consultations/{}/report"),
    ("post", "/api/v1/consultations/{}/review"),
    ("get", "/api/v1/consultations/{}/recording"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
]


def test_the_openapi_document_lists_every_http_route_of_api_md(service: Stack) -> None:
    document = service.client.get("/openapi.json").json()
    published = {
        (method, re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert sorted(set(API_MD_ROUTES) - published) == []


def test_the_live_session_websocket_of_api_md_is_served(service: Stack) -> None:
    live = re.compile(r"^/api/v1/consultations/\{[^}]+\}/live$")

    def routes(within: list[Any]) -> list[Any]:  # FastAPI keeps included routers as nodes
        return [
            leaf
            for r in within
            for leaf in (routes(r.original_router.routes) if hasattr(r, "original_router") else [r])
        ]

    assert any(
        isinstance(r, WebSocketRoute) and live.match(r.path) for r in routes(service.client.app.routes)
    )


@pytest.mark.parametrize(
    ("method", "path", "who", "status"),
    [
        ("get", "/api/v1/consultations", None, 401),
        ("get", "/api/v1/products/els-2026-318", "garbage", 401),
        ("get", "/api/v1/no-such-route", "admin", 404),
        ("delete", "/api/v1/products/els-2026-318", "admin", 405),
        ("get", "/api/v1/consultations/cs-none/report", "admin", 404),
        ("get", "/api/v1/consultations/cs-none/recording", "admin", 404),
        ("post", "/api/v1/customers", "auditor", 403),
        ("get", "/api/v1/audit", "seller_a", 403),
        ("get", "/api/v1/audit?limit=5000", "auditor", 422),
    ],
)
def test_every_error_is_a_problem_document(
    service: Stack, method: str, path: str, who: str | None, status: int
) -> None:
    garbage = {"Authorization": "Bearer not-a-token"}
    headers = garbage if who == "garbage" else service.auth(who) if who else {}
    kwargs: dict[str, Any] = (
        {"json": {**load_case("d02")["customer"], "id": "c-new"}} if method == "post" else {}
    )
    problem(service.client.request(method.upper(), path, headers=headers, **kwargs), status)

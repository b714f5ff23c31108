"""Property-based fuzzing of every HTTP operation against the app's own ``/openapi.json``.

Schemathesis reads the OpenAPI document the application serves, generates requests for
each operation (its examples, coverage cases and ``MAX_EXAMPLES`` fuzzed ones, valid and
invalid) and sends them in-process (ASGI) to an app on the embedded stack (SQLite and a
local object folder in a temporary directory) seeded with the demo data, with an admin's
``Authorization: Bearer`` on every call. Every response must:

- never be a server error (5xx);
- be an RFC 9457 problem (``application/problem+json`` with ``type``, ``title``,
  ``status`` and ``detail``) whenever it is a client error (4xx);
- have a status the operation documents, or one of the problem statuses the API answers
  without documenting them (``UNDOCUMENTED_PROBLEMS``; see the strict xfails below);
- conform to the documented response schema: every 2xx, and a 4xx where the document
  declares a problem body for that status.

Identifiers are drawn half of the time from what the seed created (consultations, one of
them with a recording, products, customers) and ``Range`` headers half of the time from
small valid ranges, so that reads, reports, verifications, reviews and ranged downloads
reach real resources rather than stopping at 404 or 416.

The schema is loaded at import time from an application built without a container:
serving ``/openapi.json`` does not touch it, and ``test_seeded_app_serves_the_fuzzed_document``
checks that the seeded app serves the very same document. Generation is bounded and
reproducible (deterministic, seeded, no example database written), so the module runs in
well under two minutes.

Where the service and its document disagree, the strict xfails at the end say which side
is wrong.
"""

from __future__ import annotations

import io
import os
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from starlette.testclient import TestClient

from wanjeon.bootstrap import Container, build_container
from wanjeon.config import Settings
from wanjeon.demo.seed import seed
from wanjeon.entrypoints.api.app import create_app

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
"""Fuzzed examples per operation; ``FUZZ_EXAMPLES=500 pytest tests/e2e/test_openapi_fuzz.py`` digs deeper."""
SEED = 20261125
ADMIN_PASSWORD = "fuzz-admin-Xq7-password"
PROBLEM = "application/problem+json"
INT64_MAX = 2**63 - 1
HEALTH_CHECKS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
UNDOCUMENTED_PROBLEMS = frozenset({400, 401, 403, 404, 409, 413, 415, 416})
"""Problem statuses the API answers that no operation declares: domain errors mapped in
``problems.py`` (401, 403, 404, 409, 413, 415), FastAPI's unparsable bodies (400) and
unsatisfiable ``Range`` headers (416). ``test_error_statuses_are_documented`` fails until
the document declares them."""

RECORDING = "GET /api/v1/consultations/{consultation_id}/recording"
UNDOCUMENTED_SUCCESS = {RECORDING: frozenset({206})}
"""2xx statuses an operation answers without declaring them (``test_recording_download_is_described``)."""
UNDECLARED_MEDIA = {"GET /metrics", RECORDING}
"""Operations whose 2xx body is not the ``application/json`` the document declares
(``test_non_json_responses_declare_their_media_type``): content type is not checked there."""

_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "suppress-health-check": [check.name for check in HEALTH_CHECKS],
    }
)

# The document does not depend on the container; the fuzzed requests go to the seeded app.
_SPEC = create_app(cast(Container, None)).openapi()
# Transcripts are text in these formats too: send the generated string as UTF-8 text.
schemathesis.serializer.alias("text/vtt", "text/plain")
schemathesis.serializer.alias("application/x-subrip", "text/plain")

schema = schemathesis.openapi.from_dict(_SPEC, config=_CONFIG).exclude(
    path_regex=r"/live$"  # the live session is a WebSocket, not an HTTP operation
)

_SEEDED: dict[str, list[str]] = {}
"""Parameter or body field name → values that exist in the seeded app (filled by ``api``);
the consultation with a recording comes first."""


@dataclass(frozen=True)
class SeededApi:
    app: Any
    headers: dict[str, str]
    recorded: str
    """A consultation that has a recording."""


def _wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededApi]:
    settings_ = Settings(data_dir=tmp_path_factory.mktemp("fuzz-data"), admin_password=ADMIN_PASSWORD)
    container = build_container(settings_)
    seed(container)
    app = create_app(container)
    with TestClient(app) as client:
        answer = client.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        assert answer.status_code == 200, answer.text
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        consultations = client.get("/api/v1/consultations", params={"limit": 200}, headers=headers).json()
        assert consultations["items"], "the demo seed created no consultations"
        first = consultations["items"][0]
        opened = client.post(
            "/api/v1/consultations",
            json={"customer_id": first["customer_id"], "product_id": first["product_id"]},
            headers=headers,
        )
        assert opened.status_code == 201, opened.text
        recorded = opened.json()["id"]
        uploaded = client.post(
            f"/api/v1/consultations/{recorded}/recording",
            files={"file": ("call.wav", _wav(), "audio/wav")},
            headers=headers,
        )
        assert uploaded.status_code == 202, uploaded.text
    items = [opened.json(), *consultations["items"]]
    _SEEDED.update(
        consultation_id=[c["id"] for c in items],
        product_id=sorted({c["product_id"] for c in items}),
        customer_id=sorted({c["customer_id"] for c in items}),
    )
    yield SeededApi(app, headers, recorded)
    _SEEDED.clear()
    container.engine.dispose()


def _mix_in_seeded(values: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    """``values`` as generated, or with every seeded name in it replaced by a seeded value."""
    known = {n: _SEEDED[n] for n in values or {} if _SEEDED.get(n)} if isinstance(values, dict) else {}
    if not known:
        return st.just(values)
    generated = cast(dict[str, Any], values)
    first = {name: options[0] for name, options in known.items()}
    chosen = st.fixed_dictionaries({name: st.sampled_from(options) for name, options in known.items()})
    return st.one_of(
        st.just(generated),
        st.just({**generated, **first}),  # the consultation with a recording, which few others have
        chosen.map(lambda seeded: {**generated, **seeded}),
    )


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _mix_in_seeded(path_parameters)


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    return _mix_in_seeded(body)


@schema.hook
def flatmap_headers(context: Any, headers: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    if not isinstance(headers, dict) or "Range" not in headers:
        return st.just(headers)
    ranges = st.builds("bytes={}-{}".format, st.integers(0, 4000), st.integers(4000, 9000))
    return st.one_of(st.just(headers), ranges.map(lambda r: {**headers, "Range": r}))


@schema.hook
def filter_query(context: Any, query: dict[str, Any] | None) -> bool:
    """Keep deep runs (``FUZZ_EXAMPLES``) looking for new bugs rather than the known ones."""
    return not (isinstance(query, dict) and _hits_a_known_bug(query))


def _hits_a_known_bug(query: dict[str, Any]) -> bool:
    edges = ("0001-01-01", "9999-12-31")  # test_an_instant_at_the_edge_of_time_is_refused
    if any(str(query.get(name, "")).startswith(edges) for name in ("from", "to")):
        return True
    after_seq = str(query.get("after_seq", ""))  # test_an_audit_position_past_int64_is_refused
    return after_seq.isdigit() and int(after_seq) > INT64_MAX


def _declared(operation: Any, status: int) -> dict[str, Any] | None:
    responses: dict[str, Any] = operation.definition.raw.get("responses", {})
    return responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")


def _media_type(response: Any) -> str:
    return str(response.headers.get("content-type", [""])[0]).split(";")[0].strip()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=HEALTH_CHECKS,
)
def test_operation(case: schemathesis.Case, api: SeededApi) -> None:
    response = case.call(app=api.app, headers=api.headers)
    status = response.status_code
    label = case.operation.label
    where = f"{case.method} {case.formatted_path} → {status}: {response.content[:300]!r}"
    assert status < 500, f"server error: {where}"
    if case.method.upper() != case.operation.method.upper():
        # the coverage phase also sends methods the path does not have
        assert status == 405, f"a method the path does not have: {where}"
        assert _media_type(response) == PROBLEM, where
        return
    declared = _declared(case.operation, status)
    assert (
        declared is not None
        or status in UNDOCUMENTED_PROBLEMS
        or status in UNDOCUMENTED_SUCCESS.get(label, frozenset())
    ), f"undocumented status: {where}"
    if 400 <= status < 500:
        assert _media_type(response) == PROBLEM, f"a 4xx that is not a problem: {where}"
        body = response.json()
        assert {"type", "title", "status", "detail"} <= body.keys(), where
        assert body["status"] == status, where
        if PROBLEM not in (declared or {}).get("content", {}):
            return  # declared as application/json or not at all: the strict xfails below
    checks = [response_schema_conformance]
    if label not in UNDECLARED_MEDIA:
        checks.append(content_type_conformance)
    case.validate_response(response, checks=checks)


# --- the document and the service --------------------------------------------------------------


def test_seeded_app_serves_the_fuzzed_document(api: SeededApi) -> None:
    with TestClient(api.app) as client:
        assert client.get("/openapi.json").json() == _SPEC


def test_a_ranged_download_is_partial(api: SeededApi) -> None:
    """The fuzz reaches the recording; this pins what a valid range answers."""
    with TestClient(api.app) as client:
        got = client.get(
            f"/api/v1/consultations/{api.recorded}/recording",
            headers={**api.headers, "Range": "bytes=0-99"},
        )
    assert got.status_code == 206
    assert len(got.content) == 100
    assert got.headers["content-range"].startswith("bytes 0-99/")


def test_405_names_the_allowed_methods(api: SeededApi) -> None:
    with TestClient(api.app) as client:
        got = client.delete("/api/v1/products/p-1", headers=api.headers)
    assert got.status_code == 405
    assert got.headers["content-type"].startswith(PROBLEM)
    assert got.headers.get("allow") == "GET"


def test_error_statuses_are_documented() -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in _SPEC["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/api/v1/")
        and path != "/api/v1/auth/token"
        and "401" not in operation["responses"]
    ]
    assert not undocumented, f"no 401 declared for {undocumented}"


def test_a_served_422_conforms_to_the_declared_422(api: SeededApi) -> None:
    operation = schema["/api/v1/consultations"]["GET"]
    case = operation.Case(query={"limit": 0})
    response = case.call(app=api.app, headers=api.headers)
    assert response.status_code == 422
    try:
        case.validate_response(response, checks=[content_type_conformance, response_schema_conformance])
    except FailureGroup as exc:
        pytest.fail(str(exc))


def test_transcript_upload_declares_its_body() -> None:
    operation = _SPEC["paths"]["/api/v1/consultations/{consultation_id}/transcript"]["put"]
    assert {"application/json", "text/plain", "text/vtt"} <= set(operation["requestBody"]["content"])


def test_product_and_customer_bodies_are_described() -> None:
    paths = _SPEC["paths"]
    for path in ("/api/v1/products", "/api/v1/customers"):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert "id" in body.get("properties", {}), f"{path}: {body}"


def test_non_json_responses_declare_their_media_type() -> None:
    paths = _SPEC["paths"]
    metrics = paths["/metrics"]["get"]["responses"]["200"]["content"]
    recording = paths["/api/v1/consultations/{consultation_id}/recording"]["get"]["responses"]["200"]
    assert "text/plain" in metrics, metrics
    assert any(media.startswith("audio/") for media in recording["content"]), recording


def test_recording_download_is_described() -> None:
    operation = _SPEC["paths"]["/api/v1/consultations/{consultation_id}/recording"]["get"]
    assert "206" in operation["responses"], sorted(operation["responses"])


# --- bugs the fuzzer found (deeper runs: FUZZ_EXAMPLES=300) ---------------------------------------


def _get(api: SeededApi, url: str) -> Any:
    with TestClient(api.app, raise_server_exceptions=False) as client:
        return client.get(url, headers=api.headers)


@pytest.mark.parametrize("query", ["to=0001-01-01T00:00:00%2B00:01", "from=9999-12-31T23:59:59-01:00"])
def test_an_instant_at_the_edge_of_time_is_refused(api: SeededApi, query: str) -> None:
    got = _get(api, f"/api/v1/consultations?{query}")
    assert got.status_code == 422, got.text
    assert got.headers["content-type"].startswith(PROBLEM)


def test_an_audit_position_past_int64_is_refused(api: SeededApi) -> None:
    got = _get(api, f"/api/v1/audit?after_seq={INT64_MAX + 1}")
    assert got.status_code == 422, got.text
    assert got.headers["content-type"].startswith(PROBLEM)


def test_an_unexpected_error_is_still_a_problem(api: SeededApi) -> None:
    app = create_app(api.app.state.container)

    def boom() -> None:
        raise RuntimeError("unexpected")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        got = client.get("/boom")
    assert got.status_code == 500
    assert got.headers["content-type"].startswith(PROBLEM), got.headers["content-type"]


def test_the_known_bug_filter_lets_ordinary_queries_through() -> None:
    assert not _hits_a_known_bug({"from": "2026-01-01T00:00:00Z", "after_seq": INT64_MAX, "limit": 5})
    assert _hits_a_known_bug({"to": "0001-01-01T00:00:00+00:01"})
    assert _hits_a_known_bug({"after_seq": INT64_MAX + 1})

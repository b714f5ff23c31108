"""Who may do what over HTTP: the role matrix of accounts/policy.py and api.md, route by route.

The target of every consultation route is a consultation sold by ``seller-a`` in 강남. A
consultation the caller may not see is reported as absent (404) before the role is
checked, so that its existence does not leak; a visible one the role may not act on is
403; no or an invalid token is 401 on every ``/api/v1`` route.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from e2e import api_support
from e2e.api_support import (
    Stack,
    load_case,
    problem,
    wav_bytes,
)

service, api_infra = api_support.service, api_support.api_infra  # the stacks, as fixtures

API = "/api/v1"
CS = f"{API}/consultations/{{id}}"
TRANSCRIPT = "직원: 지금부터 상담 내용은 녹음됩니다.\n고객: 네.\n직원: 이 예금은 예금자보호 대상입니다.\n"

# The columns of MATRIX, in order.
WHO = (
    "seller_a", "seller_b", "reviewer_gangnam", "reviewer_yeouido", "reviewer_all", "auditor", "admin",
    "service", "retired", "anonymous", "expired", "garbage", "forged", "unsigned", "basic",
)  # fmt: skip
# fmt: off
# The status each caller gets on each route; the target consultation is seller A's, in 강남.
# sA/sB seller A (강남, the owner) / seller B (여의도); rG/rY reviewer of 강남 / 여의도; rAll reviewer with
# scope all; aud auditor; adm admin; svc the 강남 recorder's service token; then no valid identity:
# ret a retired account's service token, anon none, exp expired, garb garbage, forg signed with
# another key, alg0 unsigned (alg none), basc Basic instead of Bearer.
#                            sA   sB   rG   rY   rAll aud  adm  svc    ret  anon exp  garb forg alg0 basc
MATRIX: dict[str, tuple[int, ...]] = {
    "create_product":       (403, 403, 403, 403, 403, 403, 201, 403,   401, 401, 401, 401, 401, 401, 401),
    "read_product":         (200, 200, 200, 200, 200, 200, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "create_customer":      (201, 201, 403, 403, 403, 403, 201, 201,   401, 401, 401, 401, 401, 401, 401),
    "read_customer":        (200, 200, 200, 200, 200, 200, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "create_consultation":  (201, 201, 403, 403, 403, 403, 201, 201,   401, 401, 401, 401, 401, 401, 401),
    "list_consultations":   (200, 200, 200, 200, 200, 200, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "read_consultation":    (200, 404, 200, 404, 200, 200, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "recording_event":      (200, 404, 403, 404, 403, 403, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "upload_recording":     (202, 404, 403, 404, 403, 403, 202, 202,   401, 401, 401, 401, 401, 401, 401),
    "put_transcript":       (200, 404, 403, 404, 403, 403, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "verify":               (200, 404, 200, 404, 200, 403, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "read_report":          (200, 404, 200, 404, 200, 200, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "review":               (403, 404, 200, 404, 200, 403, 200, 403,   401, 401, 401, 401, 401, 401, 401),
    "read_recording":       (200, 404, 200, 404, 200, 200, 200, 200,   401, 401, 401, 401, 401, 401, 401),
    "read_audit":           (403, 403, 403, 403, 403, 200, 200, 403,   401, 401, 401, 401, 401, 401, 401),
    "verify_audit":         (403, 403, 403, 403, 403, 200, 200, 403,   401, 401, 401, 401, 401, 401, 401),
}
# fmt: on
CASES = [(route, who, MATRIX[route][n]) for route in MATRIX for n, who in enumerate(WHO)]


def _expired_token(stack: Stack) -> str:
    """A correctly signed token for seller-a whose lifetime ended an hour ago."""
    with stack.container.services.uow() as uow:
        found = uow.accounts.get("seller-a")
    assert found is not None
    ttl = timedelta(minutes=stack.settings.token_ttl_minutes)
    return stack.container.tokens.issue(found[0], now=datetime.now(UTC) - ttl - timedelta(hours=1))


def _headers(stack: Stack, who: str) -> dict[str, str]:
    claims = {"iss": "wanjeon", "sub": "admin", "role": "admin", "branch": "HQ", "scope": "all"}
    claims["exp"] = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    bearer = {
        "retired": lambda: stack.tokens["retired_service"],
        "expired": lambda: _expired_token(stack),
        "garbage": lambda: "this-is-not-a-token",
        "forged": lambda: jwt.encode(claims, "another-secret-key-of-32-bytes!!", algorithm="HS256"),
        "unsigned": lambda: jwt.encode(claims, None, algorithm="none"),
    }
    if who == "anonymous":
        return {}
    if who == "basic":
        return {"Authorization": "Basic c2VsbGVyLWE6cHctc2VsbGVyLWE="}
    token = bearer[who]() if who in bearer else stack.tokens[who]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def finished(service: Stack) -> str:
    """seller-a's consultation with a recording, a transcript and a report: the read-only target."""
    cid = service.open_consultation("seller_a", "d17")["id"]
    upload = service.client.post(
        f"{API}/consultations/{cid}/recording",
        files={"file": ("call.wav", wav_bytes(), "audio/wav")},
        headers=service.auth("seller_a"),
    )
    assert upload.status_code == 202, upload.text
    service.put_transcript(cid, load_case("d17")["transcript"])
    service.verify(cid)
    return cid


def _call(stack: Stack, route: str, headers: dict[str, str], finished: str) -> Any:
    c, unique = stack.client, uuid.uuid4().hex[:8]
    fresh = lambda: stack.open_consultation("seller_a", "d17")["id"]  # noqa: E731
    requests: dict[str, Any] = {
        "create_product": lambda: c.post(
            f"{API}/products", json={**load_case("d17")["product"], "id": f"dep-{unique}"}, headers=headers
        ),
        "read_product": lambda: c.get(f"{API}/products/dep-fixed-12m", headers=headers),
        "create_customer": lambda: c.post(
            f"{API}/customers", json={**load_case("d17")["customer"], "id": f"c-{unique}"}, headers=headers
        ),
        "read_customer": lambda: c.get(f"{API}/customers/c-d17", headers=headers),
        "create_consultation": lambda: c.post(
            f"{API}/consultations",
            json={"customer_id": "c-d17", "product_id": "dep-fixed-12m"},
            headers=headers,
        ),
        "list_consultations": lambda: c.get(f"{API}/consultations", headers=headers),
        "read_consultation": lambda: c.get(CS.format(id=finished), headers=headers),
        "recording_event": lambda: c.post(
            CS.format(id=fresh()) + "/recording/events", json={"event": "start"}, headers=headers
        ),
        "upload_recording": lambda: c.post(
            CS.format(id=fresh()) + "/recording",
            files={"file": ("call.wav", wav_bytes(0.1), "audio/wav")},
            headers=headers,
        ),
        "put_transcript": lambda: c.put(
            CS.format(id=fresh()) + "/transcript",
            content=TRANSCRIPT.encode(),
            headers=headers | {"Content-Type": "text/plain; charset=utf-8"},
        ),
        "verify": lambda: c.post(CS.format(id=finished) + "/verification", headers=headers),
        "read_report": lambda: c.get(CS.format(id=finished) + "/report", headers=headers),
        "review": lambda: c.post(
            CS.format(id=finished) + "/review", json={"decision": "approve"}, headers=headers
        ),
        "read_recording": lambda: c.get(CS.format(id=finished) + "/recording", headers=headers),
        "read_audit": lambda: c.get(f"{API}/audit", headers=headers),
        "verify_audit": lambda: c.get(f"{API}/audit/verify", headers=headers),
    }
    return requests[route]()


@pytest.mark.parametrize(("route", "who", "status"), CASES, ids=[f"{r}-{w}" for r, w, _ in CASES])
def test_each_role_gets_exactly_the_status_of_the_matrix(
    service: Stack, finished: str, route: str, who: str, status: int
) -> None:
    response = _call(service, route, _headers(service, who), finished)
    if status >= 400:
        problem(response, status)
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer"
    else:
        assert response.status_code == status, response.text[:300]


def _visible(who: str, consultation: dict[str, Any]) -> bool:
    rule = {
        "seller_a": consultation["agent"] == "seller-a",
        "seller_b": consultation["agent"] == "seller-b",
        "reviewer_gangnam": consultation["branch"] == "강남",
        "reviewer_yeouido": consultation["branch"] == "여의도",
        "service": consultation["branch"] == "강남",
    }
    return rule.get(who, True)


def test_lists_show_each_caller_exactly_what_it_may_read_and_filters_cannot_widen_them(
    service: Stack,
) -> None:
    for who, case in (("seller_a", "d02"), ("seller_b", "d17"), ("service", "d17"), ("seller_b", "d02")):
        service.open_consultation(who, case)
    everything = service.list_all("admin")
    assert {c["branch"] for c in everything} >= {"강남", "여의도"}
    assert {c["agent"] for c in everything} >= {"seller-a", "seller-b", "recorder-gangnam"}
    for who in (
        "seller_a",
        "seller_b",
        "reviewer_gangnam",
        "reviewer_yeouido",
        "reviewer_all",
        "auditor",
        "service",
    ):
        expected = [c["id"] for c in everything if _visible(who, c)]
        assert expected
        assert [c["id"] for c in service.list_all(who)] == expected, who
    for who, filters in [
        ("seller_a", {"agent": "seller-b"}),
        ("seller_a", {"branch": "여의도"}),
        ("seller_b", {"agent": "seller-a", "branch": "강남"}),
        ("reviewer_gangnam", {"branch": "여의도"}),
        ("reviewer_yeouido", {"agent": "seller-a"}),
    ]:
        assert service.list_all(who, **filters) == [], (who, filters)

    # A cursor from someone who sees more does not widen a page either.
    first = service.client.get(
        f"{API}/consultations", params={"limit": 1}, headers=service.auth("admin")
    ).json()
    assert first["next_cursor"] is not None
    paged = service.client.get(
        f"{API}/consultations", params={"cursor": first["next_cursor"]}, headers=service.auth("seller_b")
    ).json()["items"]
    assert paged and all(c["agent"] == "seller-b" for c in paged)


def test_the_auditor_reads_the_audit_log_and_finds_the_chain_intact(service: Stack) -> None:
    cid = service.open_consultation("seller_b", "d17")["id"]
    for who in ("auditor", "admin"):
        entries = service.client.get(
            f"{API}/audit", params={"target": f"consultation:{cid}"}, headers=service.auth(who)
        )
        assert entries.status_code == 200, entries.text
        assert [(e["actor"], e["action"]) for e in entries.json()] == [("seller-b", "consultation.create")]
        seqs = [
            e["seq"]
            for e in service.client.get(
                f"{API}/audit", params={"limit": 1000}, headers=service.auth(who)
            ).json()
        ]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        verified = service.client.get(f"{API}/audit/verify", headers=service.auth(who))
        assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text
        assert verified.json()["checked"] >= len(seqs) and verified.json()["problems"] == []


def test_a_consultation_opened_by_an_admin_for_a_seller_belongs_to_the_sellers_branch(service: Stack) -> None:
    body = {"customer_id": "c-d17", "product_id": "dep-fixed-12m", "agent": "seller-a"}
    created = service.client.post(f"{API}/consultations", json=body, headers=service.auth("admin"))
    assert created.status_code == 201 and created.json()["agent"] == "seller-a"
    assert created.json()["branch"] == "강남"
    read = service.client.get(CS.format(id=created.json()["id"]), headers=service.auth("reviewer_gangnam"))
    assert read.status_code == 200


def test_a_consultation_for_an_agent_who_does_not_exist_is_refused(service: Stack) -> None:
    body = {"customer_id": "c-d17", "product_id": "dep-fixed-12m", "agent": "nobody-at-all"}
    problem(service.client.post(f"{API}/consultations", json=body, headers=service.auth("admin")), 422)


def test_a_caller_who_may_not_write_products_is_refused_before_the_body_is_read(service: Stack) -> None:
    problem(service.client.post(f"{API}/products", json={"name": "x"}, headers=service.auth("seller_a")), 403)

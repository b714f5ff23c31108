"""The api.md route table end to end, on the embedded stack and on PostgreSQL + S3.

Recordings, transcripts and stored-object integrity are in ``test_api_media.py``; the
operations routes, the OpenAPI document, idempotency and error documents in
``test_api_contract.py``; roles in ``test_api_roles.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from e2e import api_support
from e2e.api_support import Stack, load_case, problem

service, api_infra = api_support.service, api_support.api_infra  # the stacks, as fixtures

API = "/api/v1"
D02_GUARANTEE = "원금은 지켜진다고 보시면 돼요"


def _history(consultation: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in consultation["history"]]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- auth -----------------------------------------------------------------------------------------


def test_a_local_account_logs_in_with_a_form_and_gets_a_bearer_token(service: Stack) -> None:
    response = service.client.post(
        f"{API}/auth/token", data={"username": "seller-a", "password": "pw-seller-a"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert service.client.get(f"{API}/products/els-2026-318", headers=headers).status_code == 200

    for username, password in (("seller-a", "wrong"), ("nobody", "pw-seller-a")):
        refused = service.client.post(f"{API}/auth/token", data={"username": username, "password": password})
        problem(refused, 401)
        assert refused.headers["www-authenticate"] == "Bearer"
    missing = problem(service.client.post(f"{API}/auth/token", data={"username": "seller-a"}), 422)
    assert "password" in missing["detail"]
    as_json = service.client.post(
        f"{API}/auth/token", json={"username": "seller-a", "password": "pw-seller-a"}
    )
    problem(as_json, 422)


# --- catalogue ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "case", "new_id", "bad_field", "bad_value", "required"),
    [
        ("products", "d17", "dep-e2e-1", "kind", "lottery", "name"),
        ("customers", "d02", "c-e2e-1", "investor_type", "reckless", "age"),
    ],
)
def test_catalogue_entries_are_created_read_back_and_bad_ones_are_refused_naming_the_field(
    service: Stack, route: str, case: str, new_id: str, bad_field: str, bad_value: str, required: str
) -> None:
    admin = service.auth("admin")
    body = {**load_case(case)[route[:-1]], "id": new_id}
    created = service.client.post(f"{API}/{route}", json=body, headers=admin)
    assert created.status_code == 201, created.text
    read = service.client.get(f"{API}/{route}/{new_id}", headers=service.auth("seller_b"))
    assert read.status_code == 200 and read.json() == created.json()
    assert {k: v for k, v in read.json().items() if k in body} == body

    duplicate = problem(service.client.post(f"{API}/{route}", json=body, headers=admin), 409)
    assert new_id in duplicate["detail"]
    bad_enum = {**body, "id": f"{new_id}-x", bad_field: bad_value}
    refused = problem(service.client.post(f"{API}/{route}", json=bad_enum, headers=admin), 422)
    assert refused["errors"][0]["field"] == bad_field and bad_field in refused["detail"]
    assert bad_value in refused["detail"]
    incomplete = {k: v for k, v in body.items() if k != required} | {"id": f"{new_id}-y"}
    refused = problem(service.client.post(f"{API}/{route}", json=incomplete, headers=admin), 422)
    assert refused["errors"][0]["field"] == required and required in refused["detail"]
    for never in (f"{new_id}-x", f"{new_id}-y", "no-such-entry"):
        problem(service.client.get(f"{API}/{route}/{never}", headers=admin), 404)


# --- consultations --------------------------------------------------------------------------------


def test_a_consultation_is_created_for_a_known_product_and_customer_and_refused_otherwise(
    service: Stack,
) -> None:
    created = service.open_consultation("seller_a", "d02")
    assert created["status"] == "created" and created["agent"] == "seller-a" and created["branch"] == "강남"
    assert created["context"] == {"recommended": True, "channel": "branch"}
    assert _history(created) == ["created"] and created["recording"] is None and created["verdict"] is None

    seller = service.auth("seller_a")
    good = {"customer_id": "c-d02", "product_id": "els-2026-318"}
    for body, status, field in [
        ({**good, "product_id": "no-such-product"}, 404, "no-such-product"),
        ({**good, "customer_id": "no-such-customer"}, 404, "no-such-customer"),
        ({"product_id": "els-2026-318"}, 422, "customer_id"),
        ({**good, "context": {"channel": "carrier-pigeon"}}, 422, "context.channel"),
        ({**good, "colour": "blue"}, 422, "colour"),
    ]:
        refused = problem(service.client.post(f"{API}/consultations", json=body, headers=seller), status)
        assert field in refused["detail"], refused


def test_a_consultation_reads_back_with_its_status_history_in_order(service: Stack) -> None:
    created = service.verified("seller_a", "d02")
    review = {"decision": "follow_up", "comment": "원금 보장 답변 재안내 필요"}
    reviewed = service.client.post(
        f"{API}/consultations/{created['id']}/review", json=review, headers=service.auth("reviewer_gangnam")
    )
    assert reviewed.status_code == 200, reviewed.text
    read = service.client.get(f"{API}/consultations/{created['id']}", headers=service.auth("seller_a"))
    assert read.status_code == 200
    body = read.json()
    assert body["status"] == "reviewed" and body["verdict"] == "fail"
    assert _history(body) == ["created", "transcribed", "verified", "reviewed"]
    times = [_at(e["at"]) for e in body["history"]]
    assert times == sorted(times)
    assert [e["actor"] for e in body["history"]] == ["seller-a"] * 3 + ["reviewer-gangnam"]
    assert body["history"][-1]["detail"] == review
    assert body["history"][2]["detail"]["verdict"] == "fail"
    problem(service.client.get(f"{API}/consultations/cs-missing", headers=service.auth("admin")), 404)


def test_recording_events_move_the_lifecycle_and_illegal_ones_are_refused_with_the_reason(
    service: Stack,
) -> None:
    cid = service.open_consultation()["id"]

    def event(name: str) -> Any:
        return service.client.post(
            f"{API}/consultations/{cid}/recording/events",
            json={"event": name},
            headers=service.auth("seller_a"),
        )

    for name, state in (("pause", "created"), ("resume", "created"), ("stop", "created")):
        refused = problem(event(name), 409)
        assert f"while it is {state}" in refused["detail"] and name in refused["detail"]
    steps = [("start", "recording", False), ("pause", "recording", True), ("resume", "recording", False)]
    for name, status, paused in steps:
        moved = event(name)
        assert moved.status_code == 200, moved.text
        assert (moved.json()["status"], moved.json()["paused"]) == (status, paused)
    assert "recording and paused" in problem(event("resume"), 409)["detail"]
    assert "while it is recording" in problem(event("start"), 409)["detail"]
    assert event("pause").status_code == 200
    assert "recording and not paused" in problem(event("pause"), 409)["detail"]
    stopped = event("stop")
    assert stopped.status_code == 200 and stopped.json()["status"] == "recorded"
    assert stopped.json()["paused"] is False
    assert "while it is recorded" in problem(event("stop"), 409)["detail"]
    assert problem(event("rewind"), 422)["errors"][0]["field"] == "event"
    assert _history(stopped.json()) == [
        "created",
        "recording_started",
        "recording_paused",
        "recording_resumed",
        "recording_paused",
        "recording_stopped",
    ]


def test_the_list_applies_every_filter_and_pages_by_cursor_without_duplicates_or_gaps(service: Stack) -> None:
    made = [
        service.verified("seller_a", "d02")["id"],  # fail
        service.verified("seller_b", "d17")["id"],  # pass
        service.open_consultation("seller_a", "d17")["id"],
        service.open_consultation("seller_b", "d02")["id"],
        service.verified("seller_a", "d17")["id"],
    ]
    everything = service.list_all("admin")
    assert set(made) <= {c["id"] for c in everything}
    keys = [(_at(c["created_at"]), c["id"]) for c in everything]
    assert keys == sorted(keys, reverse=True), "newest first"
    assert {c["verdict"] for c in everything if c["id"] in made} == {"fail", "pass", None}

    mine = {c["id"]: c for c in everything if c["id"] in made}
    start, end = _at(mine[made[1]]["created_at"]), _at(mine[made[3]]["created_at"])
    cases: list[tuple[dict[str, str], Any]] = [
        ({"verdict": "fail"}, lambda c: c["verdict"] == "fail"),
        ({"verdict": "pass"}, lambda c: c["verdict"] == "pass"),
        ({"status": "created"}, lambda c: c["status"] == "created"),
        ({"status": "verified"}, lambda c: c["status"] == "verified"),
        ({"product_id": "dep-fixed-12m"}, lambda c: c["product_id"] == "dep-fixed-12m"),
        ({"agent": "seller-b"}, lambda c: c["agent"] == "seller-b"),
        ({"branch": "강남"}, lambda c: c["branch"] == "강남"),
        ({"from": start.isoformat()}, lambda c: _at(c["created_at"]) >= start),
        ({"to": end.isoformat()}, lambda c: _at(c["created_at"]) < end),
        (
            {"from": start.isoformat(), "to": end.isoformat(), "agent": "seller-a"},
            lambda c: start <= _at(c["created_at"]) < end and c["agent"] == "seller-a",
        ),
    ]
    for filters, wanted in cases:
        expected = [c["id"] for c in everything if wanted(c)]
        assert expected, filters
        assert [c["id"] for c in service.list_all("admin", **filters)] == expected, filters
    between = [
        c["id"] for c in service.list_all("admin", **{"from": start.isoformat(), "to": end.isoformat()})
    ]
    assert between == [made[2], made[1]]

    for limit in (1, 2, 3):
        seen: list[str] = []
        params: dict[str, Any] = {"limit": limit}
        while True:
            page = service.client.get(
                f"{API}/consultations", params=params, headers=service.auth("admin")
            ).json()
            assert len(page["items"]) <= limit
            seen.extend(c["id"] for c in page["items"])
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert seen == [c["id"] for c in everything], f"limit {limit}"
    for params in ({"verdict": "maybe"}, {"limit": 0}, {"cursor": "not-a-cursor"}, {"from": "yesterday"}):
        problem(service.client.get(f"{API}/consultations", params=params, headers=service.auth("admin")), 422)


def test_a_time_filter_without_a_time_zone_is_read_as_utc(service: Stack) -> None:
    service.open_consultation()
    newest = _at(service.list_all("admin")[0]["created_at"])
    naive, aware = newest.replace(tzinfo=None).isoformat(), newest.isoformat()
    for name in ("from", "to"):
        answer = service.lenient.get(
            f"{API}/consultations", params={name: naive}, headers=service.auth("admin")
        )
        assert answer.status_code == 200, (name, answer.status_code, answer.text[:200])
        assert answer.json()["items"] == service.list_all("admin", **{name: aware})[:50], name


# --- verification, report and review --------------------------------------------------------------


def test_verifying_d02_reports_a_fail_with_guaranteed_principal_as_json_and_html(service: Stack) -> None:
    created = service.open_consultation("seller_a", "d02")
    cid = created["id"]
    early = problem(
        service.client.post(f"{API}/consultations/{cid}/verification", headers=service.auth("seller_a")), 409
    )
    assert "no transcript" in early["detail"]
    problem(service.client.get(f"{API}/consultations/{cid}/report", headers=service.auth("seller_a")), 404)
    stored = service.put_transcript(cid, load_case("d02")["transcript"])
    record = service.verify(cid)

    assert record["verdict"] == "fail" and record["consultation_id"] == cid and record["actor"] == "seller-a"
    assert record["transcript_sha256"] == stored["transcript"]["sha256"]
    assert [v["id"] for v in record["report"]["violations"]] == ["guaranteed_principal"]
    violation = record["report"]["violations"][0]
    assert D02_GUARANTEE in violation["text"] and violation["severity"] == "high"
    assert {i["status"] for i in record["report"]["items"]} == {"covered"}

    as_json = service.client.get(f"{API}/consultations/{cid}/report", headers=service.auth("auditor"))
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert as_json.json() == record
    page = service.client.get(
        f"{API}/consultations/{cid}/report", headers={**service.auth("auditor"), "Accept": "text/html"}
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "FAIL" in page.text and "guaranteed_principal" in page.text and D02_GUARANTEE in page.text
    read = service.client.get(f"{API}/consultations/{cid}", headers=service.auth("seller_a")).json()
    assert (read["status"], read["verdict"]) == ("verified", "fail")


def test_the_html_report_escapes_markup_quoted_from_the_transcript(service: Stack) -> None:
    cid = service.open_consultation("seller_a", "d02")["id"]
    segments = [dict(s) for s in load_case("d02")["transcript"]["segments"]]
    segments[0]["text"] += " <img src=x onerror=alert(1)>"
    service.put_transcript(cid, {"segments": segments})
    service.verify(cid)
    page = service.client.get(
        f"{API}/consultations/{cid}/report", headers={**service.auth("admin"), "Accept": "text/html"}
    )
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and "<img" not in page.text


def test_re_verification_keeps_the_earlier_report_and_the_latest_is_the_newest(service: Stack) -> None:
    cid = service.verified("seller_a", "d02")["id"]
    first = service.client.get(f"{API}/consultations/{cid}/report", headers=service.auth("seller_a")).json()
    corrected = [
        s
        for s in load_case("d02")["transcript"]["segments"]
        if "원금은" not in s["text"] and "마음이" not in s["text"]
    ]
    service.put_transcript(cid, {"segments": corrected})
    second = service.verify(cid, "reviewer_gangnam")
    assert (first["verdict"], second["verdict"]) == ("fail", "pass")
    assert second["id"] != first["id"] and _at(second["created_at"]) >= _at(first["created_at"])

    latest = service.client.get(f"{API}/consultations/{cid}/report", headers=service.auth("seller_a")).json()
    assert latest == second
    with service.container.services.uow() as uow:
        history = uow.verifications.history(cid)
    assert [r.id for r in history] == [first["id"], second["id"]]
    assert history[0].verdict == "fail" and history[0].transcript_sha256 == first["transcript_sha256"]
    read = service.client.get(f"{API}/consultations/{cid}", headers=service.auth("seller_a")).json()
    verified = [e["detail"]["verification_id"] for e in read["history"] if e["kind"] == "verified"]
    assert verified == [first["id"], second["id"]] and read["verdict"] == "pass"


def test_a_reviewer_approves_rejects_or_asks_for_follow_up_only_after_verification(service: Stack) -> None:
    cid = service.open_consultation("seller_a", "d02")["id"]
    service.put_transcript(cid, load_case("d02")["transcript"])
    reviewer = service.auth("reviewer_gangnam")

    def review(decision: str, key: str | None = None) -> Any:
        headers = reviewer | ({"Idempotency-Key": key} if key else {})
        body = {"decision": decision, "comment": f"{decision} 의견"}
        return service.client.post(f"{API}/consultations/{cid}/review", json=body, headers=headers)

    assert "while it is transcribed" in problem(review("approve"), 409)["detail"]
    service.verify(cid)
    for decision in ("approve", "reject", "follow_up"):
        done = review(decision)
        assert done.status_code == 200 and done.json()["status"] == "reviewed", done.text
    assert problem(review("maybe"), 422)["errors"][0]["field"] == "decision"
    service.verify(cid, "reviewer_gangnam")
    read = service.client.get(f"{API}/consultations/{cid}", headers=reviewer).json()
    assert read["status"] == "reviewed", "re-verifying keeps a reviewed consultation reviewed"
    decisions = [e["detail"]["decision"] for e in read["history"] if e["kind"] == "reviewed"]
    assert decisions == ["approve", "reject", "follow_up"]

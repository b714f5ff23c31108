"""``WS /api/v1/consultations/{id}/live``: text in as it is said, the checklist and warnings out,
on both stacks."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from e2e import api_support
from e2e.api_support import Stack, load_case

service, api_infra = api_support.service, api_support.api_infra  # the stacks, as fixtures


def live_url(consultation_id: str) -> str:
    return f"/api/v1/consultations/{consultation_id}/live"


def segments(case: str) -> list[dict[str, Any]]:
    return [
        {"type": "segment", **{k: v for k, v in s.items() if k in ("speaker", "text", "start", "end")}}
        for s in load_case(case)["transcript"]["segments"]
    ]


def refused(ws: WebSocketTestSession) -> tuple[dict[str, Any], int]:
    """The error message the server sends, and the close code that follows it."""
    error = ws.receive_json()
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    return error, closed.value.code


def test_a_sale_said_segment_by_segment_ticks_the_checklist_warns_and_ends_in_the_stored_report(
    service: Stack,
) -> None:
    cid = service.open_consultation("seller_a", "d02")["id"]
    said = segments("d02")
    with service.client.websocket_connect(live_url(cid), headers=service.auth("seller_a")) as ws:
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["consultation_id"] == cid
        required = {item["id"] for item in ready["checklist"]}
        assert {"principal_loss_risk", "deposit_insurance", "cooling_off"} <= required
        assert all(item["title"] for item in ready["checklist"])
        assert ready["progress"] == {"covered": 0, "total": len(required)}
        updates = []
        for segment in said:
            ws.send_json(segment)
            updates.append(ws.receive_json())
        ws.send_json({"type": "end"})
        report = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1000
    assert [u["segment"] for u in updates] == list(range(len(said)))
    assert {u["type"] for u in updates} == {"update"}
    assert {item["id"] for item in updates[0]["items"]} == required  # the first update carries every item
    covered = [u["progress"]["covered"] for u in updates]
    assert covered == sorted(covered) or any(u["withdrawn"] for u in updates)
    warnings = [(u["segment"], w["id"]) for u in updates for w in u["warnings"]]
    assert "guaranteed_principal" in {w for _, w in warnings}, warnings
    first_warning = min(seg for seg, w in warnings if w == "guaranteed_principal")
    assert "원금" in said[first_warning]["text"] or "보장" in said[first_warning]["text"]
    assert updates[-1]["verdict"] == "fail"
    # what the session ended with is what the service stored, verified and now serves
    assert report["type"] == "report" and report["consultation_id"] == cid
    assert report["report"]["verdict"] == "fail"
    stored = service.client.get(
        f"/api/v1/consultations/{cid}/report", headers=service.auth("seller_a")
    ).json()
    assert stored["id"] == report["id"] and stored["report"] == report["report"]
    consultation = service.client.get(f"/api/v1/consultations/{cid}", headers=service.auth("seller_a")).json()
    assert consultation["status"] == "verified"
    transcript = service.client.get(
        f"/api/v1/consultations/{cid}/transcript", headers=service.auth("seller_a")
    ).json()
    assert [s["text"] for s in transcript["segments"]] == [s["text"] for s in said]


def test_a_browser_authenticates_with_its_first_message_and_ending_stops_the_recording(
    service: Stack,
) -> None:
    cid = service.open_consultation("seller_a", "d17")["id"]
    started = service.client.post(
        f"/api/v1/consultations/{cid}/recording/events",
        json={"event": "start"},
        headers=service.auth("seller_a"),
    )
    assert started.status_code == 200
    with service.client.websocket_connect(live_url(cid)) as ws:
        ws.send_json({"type": "auth", "token": service.tokens["seller_a"]})
        assert ws.receive_json()["type"] == "ready"
        for segment in segments("d17"):
            ws.send_json(segment)
            assert ws.receive_json()["type"] == "update"
        ws.send_json({"type": "end"})
        assert ws.receive_json()["report"]["verdict"] == "pass"
    history = service.client.get(f"/api/v1/consultations/{cid}", headers=service.auth("seller_a")).json()
    kinds = [event["kind"] for event in history["history"]]
    assert kinds == ["created", "recording_started", "recording_stopped", "transcribed", "verified"]


def test_bad_messages_are_answered_with_the_field_and_the_session_goes_on(service: Stack) -> None:
    cid = service.open_consultation("seller_a", "d17")["id"]
    with service.client.websocket_connect(live_url(cid), headers=service.auth("seller_a")) as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_text("not json")
        assert ws.receive_json() | {"detail": ""} == {
            "type": "error",
            "status": 422,
            "title": "Invalid input",
            "detail": "",
        }
        ws.send_json({"type": "segment", "speaker": "robot", "text": "안녕하세요"})
        error = ws.receive_json()
        assert error["status"] == 422 and error["errors"][0]["field"] == "speaker"
        ws.send_json({"type": "segment", "speaker": "agent", "text": "네", "start": 5, "end": 1})
        assert "end must not be before start" in ws.receive_json()["detail"]
        ws.send_json({"type": "dance"})
        assert ws.receive_json()["detail"] == "type: expected segment or end"
        ws.send_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
        error = ws.receive_json()
        assert error["status"] == 415 and "speech recognition" in error["detail"]
        ws.send_json(
            {"type": "segment", "speaker": "agent", "text": "안녕하세요, 정기예금 상담 도와드리겠습니다."}
        )
        update = ws.receive_json()
        assert (update["type"], update["segment"]) == ("update", 0)
    consultation = service.client.get(f"/api/v1/consultations/{cid}", headers=service.auth("seller_a")).json()
    assert (
        consultation["status"] == "created" and consultation["transcript"] is None
    )  # dropped: nothing stored


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("garbage", 401), ("seller_b", 404), ("auditor", 403), ("reviewer_gangnam", 403)],
)
def test_a_session_that_may_not_open_is_refused_with_the_status_as_close_code(
    service: Stack, who: str | None, status: int
) -> None:
    cid = service.open_consultation("seller_a", "d17")["id"]
    headers = {"Authorization": "Bearer not-a-token"} if who == "garbage" else {}
    if who not in (None, "garbage"):
        headers = service.auth(who)
    with service.client.websocket_connect(live_url(cid), headers=headers) as ws:
        if who is None:
            ws.send_json({"type": "segment", "speaker": "agent", "text": "토큰 없이 바로"})
        error, code = refused(ws)
    assert (error["type"], error["status"], code) == ("error", status, 4000 + status)


@pytest.mark.parametrize("who", ["seller_a", "admin", "service"])
def test_the_seller_an_admin_and_the_branch_recorder_may_open_a_session(service: Stack, who: str) -> None:
    cid = service.open_consultation("seller_a", "d17")["id"]
    with service.client.websocket_connect(live_url(cid), headers=service.auth(who)) as ws:
        assert ws.receive_json()["type"] == "ready"


def test_a_consultation_already_verified_takes_no_live_session_and_an_empty_one_stores_nothing(
    service: Stack,
) -> None:
    done = service.verified("seller_a", "d17")["id"]
    with service.client.websocket_connect(live_url(done), headers=service.auth("seller_a")) as ws:
        error, code = refused(ws)
    assert (error["status"], code) == (409, 4409) and "verified" in error["detail"]
    fresh = service.open_consultation("seller_a", "d17")["id"]
    with service.client.websocket_connect(live_url(fresh), headers=service.auth("seller_a")) as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_json({"type": "end"})
        error, code = refused(ws)
    assert (error["status"], code) == (409, 4409) and "nothing was said" in error["detail"]


def test_a_binary_first_frame_is_not_a_token(service: Stack) -> None:
    cid = service.open_consultation("seller_a", "d17")["id"]
    with service.client.websocket_connect(live_url(cid)) as ws:
        ws.send_bytes(b"\x00\x01audio")
        error, code = refused(ws)
    assert (error["status"], code) == (401, 4401)


def test_ending_checks_the_token_again(service: Stack) -> None:
    from datetime import UTC, datetime, timedelta

    cid = service.open_consultation("seller_a", "d17")["id"]
    with service.container.services.reads() as uow:
        found = uow.accounts.get("seller-a")
    assert found is not None
    ttl = timedelta(minutes=service.settings.token_ttl_minutes)
    short = service.container.tokens.issue(found[0], now=datetime.now(UTC) - ttl + timedelta(seconds=2))
    with service.client.websocket_connect(live_url(cid), headers={"Authorization": f"Bearer {short}"}) as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_json(segments("d17")[0])
        assert ws.receive_json()["type"] == "update"
        time.sleep(2.2)
        ws.send_json({"type": "end"})
        error, code = refused(ws)
    assert (error["status"], code) == (401, 4401) and "expired" in error["detail"]
    consultation = service.client.get(f"/api/v1/consultations/{cid}", headers=service.auth("seller_a")).json()
    assert consultation["transcript"] is None


def test_a_session_past_its_size_refuses_more_segments_and_can_still_end(
    service: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wanjeon.entrypoints.api.routes import live

    monkeypatch.setattr(live, "MAX_SEGMENTS", 2)
    cid = service.open_consultation("seller_a", "d17")["id"]
    said = segments("d17")
    with service.client.websocket_connect(live_url(cid), headers=service.auth("seller_a")) as ws:
        assert ws.receive_json()["type"] == "ready"
        for segment in said[:2]:
            ws.send_json(segment)
            assert ws.receive_json()["type"] == "update"
        ws.send_json(said[2])
        error = ws.receive_json()
        assert error["status"] == 413 and "2 segments" in error["detail"]
        ws.send_json({"type": "end"})
        assert ws.receive_json()["type"] == "report"
    transcript = service.client.get(
        f"/api/v1/consultations/{cid}/transcript", headers=service.auth("seller_a")
    )
    assert len(transcript.json()["segments"]) == 2

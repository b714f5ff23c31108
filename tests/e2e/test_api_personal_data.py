"""Personal data in a transcript never reaches storage, reports or the audit log, on both stacks.

A resident registration number, a mobile number (written and spoken in digit syllables),
a card number and an account number are said during d17's deposit sale. After the
transcript is PUT and verified, none of their digits are in the stored transcript object,
the verification records in the database, the report (JSON and HTML) or the audit log;
and since masking replaces digit by digit, the evidence still points at the same words.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from e2e import api_support
from e2e.api_support import Stack, load_case

service, api_infra = api_support.service, api_support.api_infra  # the stacks, as fixtures

API = "/api/v1"
SAID = {
    # segment index in d17 → what is appended to it
    6: " 본인 확인 위해서 주민등록번호 900101-1234567 불러 주신 거 확인했습니다.",
    7: " 제 번호는 010-1234-5678이에요. 공일공 일이삼사 오육칠팔로 문자 주세요.",
    8: " 이자는 신한은행 110-482-395716 계좌로 드리고, 카드 5365-1029-3847-5610 자동이체도 걸어 드릴게요.",
}
# Long or hyphenated forms only, so that no hash or timestamp can contain them by chance.
NEVER = [
    "900101-1234567", "9001011234567", "1234567",
    "010-1234-5678", "01012345678", "1234-5678", "12345678", "공일공", "일이삼사", "오육칠팔",
    "110-482-395716", "482-395716", "110482395716",
    "5365-1029-3847-5610", "1029-3847", "10293847", "3847-5610", "5365102938475610",
]  # fmt: skip


def _transcript() -> dict[str, Any]:
    transcript = copy.deepcopy(load_case("d17")["transcript"])
    for index, extra in SAID.items():
        transcript["segments"][index]["text"] += extra
    spoken = transcript["segments"][7]
    spoken["words"] = [
        {"text": word, "start": spoken["start"] + n * 0.3, "end": spoken["start"] + n * 0.3 + 0.25}
        for n, word in enumerate(spoken["text"].split())
    ]
    return transcript


def _leaks(text: str) -> list[str]:
    return [needle for needle in NEVER if needle in text]


def _same_but_masked(masked: str, original: str) -> bool:
    """Equal length, and equal wherever the masked text is not ``*``."""
    return len(masked) == len(original) and all(m in ("*", o) for m, o in zip(masked, original, strict=True))


def _evidence(report: dict[str, Any]) -> list[dict[str, Any]]:
    found = [e for item in report["items"] for e in item["evidence"]]
    found += [item["nearest"] for item in report["items"] if "nearest" in item]
    found += [v for v in report["violations"]] + [
        e for v in report["violations"] for e in v.get("evidence", [])
    ]
    return found


@pytest.fixture(scope="module")
def verified(service: Stack) -> dict[str, Any]:
    """A d17 consultation whose transcript carries personal data, stored and verified."""
    cid = service.open_consultation("seller_a", "d17")["id"]
    service.put_transcript(cid, _transcript())
    record = service.verify(cid)
    return {"id": cid, "record": record}


def test_the_stored_transcript_has_every_personal_number_masked_in_place(
    service: Stack, verified: dict[str, Any]
) -> None:
    (key,) = service.object_keys(f"transcripts/{verified['id']}/")
    raw = service.raw_object(key).decode("utf-8")
    assert _leaks(raw) == []
    stored = json.loads(raw)["segments"]
    original = _transcript()["segments"]
    assert len(stored) == len(original)
    for kept, said in zip(stored, original, strict=True):
        assert _same_but_masked(kept["text"], said["text"]), (kept["text"], said["text"])
    assert stored[6]["text"].endswith("주민등록번호 ******-******* 불러 주신 거 확인했습니다.")
    assert "***-****-****이에요. *** **** ****로 문자" in stored[7]["text"]
    assert "110-482-395716" not in stored[8]["text"] and "****-****-****-****" in stored[8]["text"]
    words = [w["text"] for w in stored[7]["words"]]
    assert [(w["start"], w["end"]) for w in stored[7]["words"]] == [
        (w["start"], w["end"]) for w in original[7]["words"]
    ]
    assert all(_same_but_masked(k, w["text"]) for k, w in zip(words, original[7]["words"], strict=True))
    assert "***" in words and "****로" in words


def test_reports_and_their_evidence_show_no_personal_number_yet_point_at_the_same_words(
    service: Stack, verified: dict[str, Any]
) -> None:
    cid, record = verified["id"], verified["record"]
    assert record["verdict"] == "pass", "masking must not change the judgment of d17"
    original = _transcript()["segments"]
    report_json = service.client.get(f"{API}/consultations/{cid}/report", headers=service.auth("auditor"))
    page = service.client.get(
        f"{API}/consultations/{cid}/report", headers={**service.auth("auditor"), "Accept": "text/html"}
    )
    for shown in (json.dumps(record, ensure_ascii=False), report_json.text, page.text):
        assert _leaks(shown) == []
    with service.container.services.uow() as uow:
        in_database = [json.dumps(r.report, ensure_ascii=False) for r in uow.verifications.history(cid)]
    assert in_database and all(_leaks(text) == [] for text in in_database)

    quoted = _evidence(report_json.json()["report"])
    masked_quotes = [e for e in quoted if "*" in e["text"]]
    assert {e["segment"] for e in masked_quotes} >= {6}, (
        "the recording notice is quoted with its masked number"
    )
    for e in quoted:
        said = original[e["segment"]]["text"]
        assert _same_but_masked(e["text"], said), (e["segment"], e["text"])
        for part in filter(None, (p.strip() for p in e.get("matched", "").split("…"))):
            at = e["text"].find(part)  # a quote of the evidence ("A … B" joins two of them)
            assert at >= 0 and _same_but_masked(part, said[at : at + len(part)]), (part, e)
    notice = next(e for e in masked_quotes if e["segment"] == 6)
    assert notice["text"].index("녹음") == original[6]["text"].index("녹음")
    assert "******-*******" in page.text


def test_the_audit_log_and_the_status_history_hold_no_personal_number(
    service: Stack, verified: dict[str, Any]
) -> None:
    entries = service.client.get(f"{API}/audit", params={"limit": 1000}, headers=service.auth("auditor"))
    assert entries.status_code == 200
    assert any(e["target"] == f"consultation:{verified['id']}" for e in entries.json())
    assert _leaks(entries.text) == []
    history = service.client.get(f"{API}/consultations/{verified['id']}", headers=service.auth("admin"))
    assert _leaks(history.text) == []


def test_a_review_comment_has_its_personal_numbers_masked_in_the_history(service: Stack) -> None:
    cid = service.verified("seller_a", "d17")["id"]
    body = {"decision": "follow_up", "comment": "고객 연락처 010-1234-5678로 재안내 요망"}
    reviewed = service.client.post(
        f"{API}/consultations/{cid}/review", json=body, headers=service.auth("reviewer_all")
    )
    assert reviewed.status_code == 200
    assert _leaks(reviewed.text) == []

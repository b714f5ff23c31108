"""Recordings and transcripts over HTTP, and what happens when stored objects are tampered with.

Both stacks: the embedded one (local folder) and PostgreSQL + S3 (moto_server). Raw
objects are read and overwritten behind wanjeon's back, as an operator or an attacker
with access to the disk or the bucket would.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from e2e import api_support
from e2e.api_support import (
    PDF,
    Stack,
    load_case,
    problem,
    wav_bytes,
)

service, api_infra = api_support.service, api_support.api_infra  # the stacks, as fixtures

API = "/api/v1"
LINES = [
    ("agent", "지금부터 상담 내용은 녹음됩니다."),
    ("customer", "네, 알겠습니다."),
    ("agent", "이 예금은 예금자보호 대상이고 1인당 1억 원까지 보호됩니다."),
]
TRANSCRIPTS = {
    "application/json": json.dumps(
        {
            "segments": [
                {"speaker": s, "start": 4.0 * n, "end": 4.0 * n + 3, "text": t}
                for n, (s, t) in enumerate(LINES)
            ]
        },
        ensure_ascii=False,
    ),
    "text/plain": "".join(f"{'직원' if s == 'agent' else '고객'}: {t}\n" for s, t in LINES),
    "text/vtt": "WEBVTT\n\n"
    + "".join(
        f"00:00:{4 * n:02d}.000 --> 00:00:{4 * n + 3:02d}.000\n<v {s}>{t}\n\n"
        for n, (s, t) in enumerate(LINES)
    ),
    "application/x-subrip": "".join(
        f"{n + 1}\n00:00:{4 * n:02d},000 --> 00:00:{4 * n + 3:02d},000\n{'직원' if s == 'agent' else '고객'}: {t}\n\n"
        for n, (s, t) in enumerate(LINES)
    ),
}


def _upload(stack: Stack, cid: str, data: bytes, name: str = "call.wav", **headers: str) -> Any:
    return stack.client.post(
        f"{API}/consultations/{cid}/recording",
        files={"file": (name, data, "audio/wav")},
        headers=stack.auth("seller_a") | headers,
    )


def _read(stack: Stack, cid: str) -> dict[str, Any]:
    body: dict[str, Any] = stack.client.get(f"{API}/consultations/{cid}", headers=stack.auth("admin")).json()
    return body


def _put_text(stack: Stack, cid: str, content_type: str, text: str) -> Any:
    return stack.client.put(
        f"{API}/consultations/{cid}/transcript",
        content=text.encode(),
        headers=stack.auth("seller_a") | {"Content-Type": content_type},
    )


# --- recordings -----------------------------------------------------------------------------------


def test_an_uploaded_wav_is_served_back_byte_for_byte_whole_and_in_ranges(service: Stack) -> None:
    audio = wav_bytes(5.0)  # 80 kB: more than one 64 KiB encryption chunk
    cid = service.open_consultation()["id"]
    accepted = _upload(service, cid, audio)
    assert accepted.status_code == 202, accepted.text
    stored = accepted.json()
    assert stored["status"] == "recorded" and stored["history"][-1]["kind"] == "recording_stored"
    assert stored["recording"] == {
        "sha256": hashlib.sha256(audio).hexdigest(),
        "size": len(audio),
        "content_type": "audio/wav",
    }
    url, auth = f"{API}/consultations/{cid}/recording", service.auth("reviewer_gangnam")
    whole = service.client.get(url, headers=auth)
    assert whole.status_code == 200 and whole.content == audio
    assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-length"] == str(len(audio))
    assert whole.headers["etag"] == f'"{stored["recording"]["sha256"]}"'

    size = len(audio)
    for header, start, end in [
        ("bytes=0-99", 0, 100),
        ("bytes=65530-65545", 65530, 65546),  # across two encrypted chunks
        ("bytes=-100", size - 100, size),
        (f"bytes={size - 10}-", size - 10, size),
        (f"bytes=70000-{size + 500}", 70000, size),
    ]:
        part = service.client.get(url, headers=auth | {"Range": header})
        assert part.status_code == 206, (header, part.text)
        assert part.content == audio[start:end], header
        assert part.headers["content-range"] == f"bytes {start}-{end - 1}/{size}", header
    for header in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=50-10", "bytes=-"):
        problem(service.client.get(url, headers=auth | {"Range": header}), 416)

    (key,) = service.object_keys(f"recordings/{cid}/")
    at_rest = service.raw_object(key)
    assert at_rest != audio and not at_rest.startswith(b"RIFF") and audio[1000:1064] not in at_rest, (
        "encrypted"
    )


def test_an_upload_that_is_not_audio_is_refused_with_415_whatever_its_name(service: Stack) -> None:
    cid = service.open_consultation()["id"]
    for name, data in (("contract.wav", PDF), ("empty.wav", b""), ("notes.mp3", b"hello, world" * 10)):
        assert "is not audio" in problem(_upload(service, cid, data, name), 415)["detail"]
    assert _read(service, cid)["recording"] is None
    assert service.object_keys(f"recordings/{cid}/") == []
    missing = problem(
        service.client.post(f"{API}/consultations/{cid}/recording", headers=service.auth("seller_a")), 422
    )
    assert "file" in missing["detail"]
    problem(service.client.get(f"{API}/consultations/{cid}/recording", headers=service.auth("seller_a")), 404)


def test_an_upload_over_the_size_limit_is_refused_with_413_and_nothing_is_referenced(service: Stack) -> None:
    assert service.settings.max_upload_mb == 1
    cid = service.open_consultation()["id"]
    too_large = wav_bytes(131.1)  # 2 MB of 8 kHz 16-bit audio
    assert len(too_large) > 2 * 1024 * 1024
    refused = problem(_upload(service, cid, too_large), 413)
    assert str(1024 * 1024) in refused["detail"]
    read = _read(service, cid)
    assert read["recording"] is None and read["status"] == "created" and len(read["history"]) == 1
    assert service.object_keys(f"recordings/{cid}/") == []
    assert _upload(service, cid, wav_bytes(30.0)).status_code == 202  # 480 kB is within the limit


def test_an_upload_refused_by_the_lifecycle_leaves_no_object_behind(service: Stack) -> None:
    cid = service.open_consultation()["id"]
    started = service.client.post(
        f"{API}/consultations/{cid}/recording/events",
        json={"event": "start"},
        headers=service.auth("seller_a"),
    )
    assert started.status_code == 200
    assert "while it is recording" in problem(_upload(service, cid, wav_bytes()), 409)["detail"]
    assert service.object_keys(f"recordings/{cid}/") == []


def test_an_idempotency_key_reused_for_a_different_recording_is_refused(service: Stack) -> None:
    cid = service.open_consultation()["id"]
    first = wav_bytes(1.0)
    second = first[:44] + bytes(reversed(first[44:]))
    assert len(first) == len(second) and first != second
    assert _upload(service, cid, first, **{"Idempotency-Key": "upload-1"}).status_code == 202
    problem(_upload(service, cid, second, **{"Idempotency-Key": "upload-1"}), 422)


# --- transcripts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", list(TRANSCRIPTS))
def test_a_transcript_is_accepted_as_json_plain_text_webvtt_and_subrip(
    service: Stack, content_type: str
) -> None:
    cid = service.open_consultation("seller_a", "d17")["id"]
    stored = _put_text(service, cid, f"{content_type}; charset=utf-8", TRANSCRIPTS[content_type])
    assert stored.status_code == 200, stored.text
    body = stored.json()
    assert body["status"] == "transcribed" and body["transcript"]["content_type"] == "application/json"
    (key,) = service.object_keys(f"transcripts/{cid}/")
    raw = service.raw_object(key)
    assert hashlib.sha256(raw).hexdigest() == body["transcript"]["sha256"]
    segments = json.loads(raw)["segments"]
    assert [(s["speaker"], s["text"]) for s in segments] == LINES
    if content_type != "text/plain":
        assert [s["start"] for s in segments] == [0.0, 4.0, 8.0]
    record = service.verify(cid)
    evidence = {e["text"] for i in record["report"]["items"] for e in i["evidence"]}
    assert LINES[0][1] in evidence


def test_a_transcript_refused_by_the_lifecycle_leaves_no_object_behind(service: Stack) -> None:
    cid = service.verified("seller_a", "d17")["id"]
    reviewed = service.client.post(
        f"{API}/consultations/{cid}/review", json={"decision": "approve"}, headers=service.auth("admin")
    )
    assert reviewed.status_code == 200
    before = service.object_keys(f"transcripts/{cid}/")
    refused = _put_text(service, cid, "text/plain", TRANSCRIPTS["text/plain"])
    assert "while it is reviewed" in problem(refused, 409)["detail"]
    assert service.object_keys(f"transcripts/{cid}/") == before


@pytest.mark.parametrize(
    ("content_type", "text", "where"),
    [
        ("text/plain", "직원: 녹음됩니다.\n고객 네 알겠습니다\n", "line 2"),
        ("text/plain", "직원: 녹음됩니다.\n손님: 네.\n", "line 2"),
        (
            "text/vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v 직원>녹음됩니다.\n\nnot a timing\n<v 고객>네\n",
            "line 7",
        ),
        ("application/x-subrip", "1\n00:00:01,000 --> 00:00:00,500\n직원: 녹음됩니다.\n", "line 2"),
        (
            "application/json",
            '{"segments": [\n  {"speaker": "agent", "text": "녹음됩니다."},\n  oops\n]}',
            "line 3",
        ),
        ("application/json", '{"segments": [{"speaker": "robot", "text": "삐"}]}', "segments[0].speaker"),
    ],
)
def test_a_malformed_transcript_is_refused_with_422_naming_where(
    service: Stack, content_type: str, text: str, where: str
) -> None:
    cid = service.open_consultation()["id"]
    refused = problem(_put_text(service, cid, content_type, text), 422)
    assert where in refused["detail"], refused
    assert _read(service, cid)["transcript"] is None


@pytest.mark.parametrize("content_type", ["application/pdf", "text/html", "application/yaml"])
def test_a_transcript_of_another_media_type_is_refused_with_415(service: Stack, content_type: str) -> None:
    cid = service.open_consultation()["id"]
    refused = problem(_put_text(service, cid, content_type, TRANSCRIPTS["text/plain"]), 415)
    assert content_type in refused["detail"]


# --- tampering --------------------------------------------------------------------------------------


def test_a_tampered_transcript_is_an_integrity_problem_on_verification(service: Stack) -> None:
    cid = service.open_consultation("seller_a", "d02")["id"]
    service.put_transcript(cid, load_case("d02")["transcript"])
    (key,) = service.object_keys(f"transcripts/{cid}/")
    honest = service.raw_object(key)
    forged = honest.replace("보장되지 않습니다".encode(), "보장되고 남습니다".encode(), 1)
    assert forged != honest and len(forged) == len(honest)
    service.overwrite_object(key, forged)
    refused = problem(
        service.lenient.post(f"{API}/consultations/{cid}/verification", headers=service.auth("seller_a")), 500
    )
    assert refused["type"].endswith("/integrity") and key in refused["detail"]
    assert "보장되고 남습니다" not in json.dumps(refused, ensure_ascii=False)
    assert _read(service, cid)["status"] == "transcribed"


def _tampered_recording(stack: Stack) -> tuple[str, bytes]:
    cid = stack.open_consultation()["id"]
    assert _upload(stack, cid, wav_bytes(5.0)).status_code == 202
    (key,) = stack.object_keys(f"recordings/{cid}/")
    planted = wav_bytes(5.0, rate=11025)[: len(stack.raw_object(key))]  # plaintext audio, another call
    stack.overwrite_object(key, planted)
    return cid, planted


def test_a_tampered_recording_is_never_served(service: Stack) -> None:
    cid, planted = _tampered_recording(service)
    url = f"{API}/consultations/{cid}/recording"
    ranged = problem(
        service.lenient.get(url, headers=service.auth("seller_a") | {"Range": "bytes=0-99"}), 500
    )
    assert ranged["type"].endswith("/integrity")
    whole = service.lenient.get(url, headers=service.auth("seller_a"))
    assert planted[:64] not in whole.content and planted[44:1000] not in whole.content


def test_a_tampered_recording_read_whole_is_an_integrity_problem(service: Stack) -> None:
    cid, _ = _tampered_recording(service)
    whole = service.lenient.get(f"{API}/consultations/{cid}/recording", headers=service.auth("seller_a"))
    assert problem(whole, 500)["type"].endswith("/integrity")

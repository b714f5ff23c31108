"""The API under concurrent writers and a crash mid-upload, on PostgreSQL + S3 (moto_server).

Each test gets a fresh stack (its own schema and bucket). With CI=true these tests must
run; elsewhere they are skipped when PostgreSQL or moto_server is unavailable.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from e2e import api_support
from e2e.api_support import Stack, StackFactory, load_case, problem, wav_bytes
from wanjeon.accounts.model import Principal, Role, Scope
from wanjeon.adapters.db.repositories import SqlIdempotencyRepository
from wanjeon.adapters.db.unit_of_work import SqlUnitOfWork
from wanjeon.adapters.files.transcripts import transcript_from_data
from wanjeon.adapters.objects.sweep import sweep_orphans
from wanjeon.consultation import services
from wanjeon.consultation.lifecycle import Consultation, Decision, StoredRef
from wanjeon.consultation.model import Channel, SaleContext

API = "/api/v1"
new_stack, api_infra = api_support.new_stack, api_support.api_infra  # fresh stacks, as fixtures
THREADS = 8
REPLAY = {
    "recording_started": "start_recording",
    "recording_paused": "pause_recording",
    "recording_resumed": "resume_recording",
    "recording_stopped": "stop_recording",
}
ROUNDS = 3


@pytest.fixture()
def stack(new_stack: StackFactory) -> Stack:
    return new_stack("postgresql+s3")


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _variant(case: str, mark: str) -> dict[str, Any]:
    """The case's transcript with ``mark`` appended to its last line: another digest, the same verdict."""
    transcript = copy.deepcopy(load_case(case)["transcript"])
    transcript["segments"][-1]["text"] += f" ({mark})"
    return transcript


def _replayed_status(history: list[dict[str, Any]]) -> str:
    """Replays the status history through the domain lifecycle; an illegal order raises."""
    first = history[0]
    assert first["kind"] == "created"
    c = Consultation.open(
        "replay", "p", "c", first["actor"], "b", SaleContext(True, Channel.BRANCH), _at(first["at"])
    )
    ref = StoredRef("k", "0" * 64, 1, "x")
    for e in history[1:]:
        kind, at, actor, detail = e["kind"], _at(e["at"]), e["actor"], e["detail"]
        if kind == "verified":
            c.record_verification(
                detail["verification_id"], detail["verdict"], detail["rulebook_version"], at, actor
            )
        elif kind == "reviewed":
            c.review(Decision(detail["decision"]), detail["comment"], at, actor)
        elif kind == "failed":
            c.fail(detail["reason"], at, actor)
        elif kind in ("recording_stored", "transcribed"):
            (c.store_recording if kind == "recording_stored" else c.store_transcript)(ref, at, actor)
        else:
            getattr(c, REPLAY[kind])(at, actor)
    return c.status.value


def _check_consistent(stack: Stack, cid: str) -> dict[str, Any]:
    read = stack.client.get(f"{API}/consultations/{cid}", headers=stack.auth("admin")).json()
    history = read["history"]
    assert _replayed_status(history) == read["status"], cid
    times = [_at(e["at"]) for e in history]
    assert times == sorted(times), f"{cid}: events out of order"
    stored = {e["detail"]["sha256"] for e in history if e["kind"] == "transcribed"}
    assert read["transcript"] is None or read["transcript"]["sha256"] in stored
    for sha in stored:  # every transcript ever stored is still there, unchanged
        raw = stack.raw_object(f"transcripts/{cid}/{sha[:16]}.json")
        assert hashlib.sha256(raw).hexdigest() == sha
    with stack.container.services.uow() as uow:
        records = uow.verifications.history(cid)
    verified = [e["detail"]["verification_id"] for e in history if e["kind"] == "verified"]
    assert [r.id for r in records] == verified, cid
    assert all(r.transcript_sha256 in stored for r in records), cid
    verdicts = [e["detail"]["verdict"] for e in history if e["kind"] == "verified"]
    assert read["verdict"] == (verdicts[-1] if read["status"] in ("verified", "reviewed") else None)
    if read["status"] == "verified":  # the verdict shown is the one of the transcript it holds
        assert records[-1].transcript_sha256 == read["transcript"]["sha256"], cid
        latest = stack.client.get(f"{API}/consultations/{cid}/report", headers=stack.auth("admin")).json()
        assert latest["id"] == records[-1].id, cid
    return read


def test_eight_threads_writing_the_same_and_different_consultations_leave_each_one_consistent(
    stack: Stack,
) -> None:
    shared = stack.open_consultation("seller_a", "d02")["id"]
    stack.put_transcript(shared, load_case("d02")["transcript"])
    start = threading.Barrier(THREADS, timeout=60)
    answers: list[tuple[str, Any]] = []
    crashes: list[BaseException] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        client, who = stack.new_client(), "seller_a" if n % 2 else "seller_b"
        case = "d02" if n % 2 else "d17"

        def call(label: str, method: str, path: str, **kwargs: Any) -> Any:
            response = client.request(method, f"{API}{path}", headers=stack.auth(who), **kwargs)
            with lock:
                answers.append((label, response))
            return response

        try:
            start.wait()
            for r in range(ROUNDS):
                created = call("create", "POST", "/consultations", json={
                    "customer_id": load_case(case)["customer"]["id"], "product_id": load_case(case)["product"]["id"]
                })  # fmt: skip
                own = created.json()["id"]
                call(
                    "own transcript",
                    "PUT",
                    f"/consultations/{own}/transcript",
                    json=_variant(case, f"{n}-{r}"),
                )
                call("own verification", "POST", f"/consultations/{own}/verification")
                if who == "seller_a":  # the shared consultation is seller-a's
                    call(
                        "shared transcript",
                        "PUT",
                        f"/consultations/{shared}/transcript",
                        json=_variant("d02", f"{n}-{r}"),
                    )
                    call("shared verification", "POST", f"/consultations/{shared}/verification")
        except BaseException as exc:  # reported below; an exception must not end a thread silently
            with lock:
                crashes.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert crashes == [] and not any(t.is_alive() for t in threads)

    assert len(answers) == THREADS * ROUNDS * 3 + THREADS // 2 * ROUNDS * 2
    for label, response in answers:
        if response.status_code == 409:
            assert problem(response, 409)["type"].endswith("/concurrent-update"), (label, response.text)
        else:
            assert response.status_code in (200, 201), (label, response.status_code, response.text[:300])
    created = [r.json()["id"] for label, r in answers if label == "create"]
    assert len(set(created)) == THREADS * ROUNDS
    for cid in [shared, *created]:
        _check_consistent(stack, cid)
    ok = [r.json()["id"] for label, r in answers if label.endswith("verification") and r.status_code == 200]
    with stack.container.services.uow() as uow:
        recorded = {r.id for cid in [shared, *created] for r in uow.verifications.history(cid)}
    assert set(ok) == recorded
    audit = stack.client.get(f"{API}/audit/verify", headers=stack.auth("auditor")).json()
    assert audit["ok"] is True, audit


def _crash_first_commit(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The next ``SqlUnitOfWork.commit`` fails as a dropped connection would; later ones work."""
    original, crashed = SqlUnitOfWork.commit, []

    def commit(self: SqlUnitOfWork) -> None:
        if not crashed:
            crashed.append(1)
            raise OperationalError("COMMIT", {}, ConnectionResetError("server closed the connection"))
        original(self)

    monkeypatch.setattr(SqlUnitOfWork, "commit", commit)
    return crashed


def test_a_crash_between_storing_a_recording_and_committing_it_leaves_only_an_orphan_the_sweep_removes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = wav_bytes(2.0)
    upload = {"files": {"file": ("call.wav", audio, "audio/wav")}, "headers": stack.auth("seller_a")}
    kept = stack.open_consultation()["id"]
    assert stack.client.post(f"{API}/consultations/{kept}/recording", **upload).status_code == 202
    stack.put_transcript(kept, load_case("d02")["transcript"])
    victim = stack.open_consultation()["id"]
    referenced = set(stack.object_keys(f"recordings/{kept}/") + stack.object_keys(f"transcripts/{kept}/"))

    crashed = _crash_first_commit(monkeypatch)
    failed = stack.lenient.post(f"{API}/consultations/{victim}/recording", **upload)
    assert crashed and problem(failed, 500)["type"].endswith("/internal")
    read = stack.client.get(f"{API}/consultations/{victim}", headers=stack.auth("seller_a")).json()
    assert read["recording"] is None and read["status"] == "created" and len(read["history"]) == 1
    (orphan,) = stack.object_keys(f"recordings/{victim}/")
    problem(stack.client.get(f"{API}/consultations/{victim}/recording", headers=stack.auth("seller_a")), 404)

    store = stack.container.services.recordings
    with stack.container.services.uow() as uow:
        swept = sweep_orphans(
            store, uow.consultations.referenced_object, prefix="recordings/", older_than=timedelta(0)
        )
    assert orphan in swept and not (referenced & set(swept))
    assert stack.object_keys(f"recordings/{victim}/") == []
    assert referenced <= set(stack.object_keys(""))
    whole = stack.client.get(f"{API}/consultations/{kept}/recording", headers=stack.auth("seller_a"))
    assert whole.status_code == 200 and whole.content == audio
    assert stack.client.post(f"{API}/consultations/{victim}/recording", **upload).status_code == 202


def test_a_transcript_replaced_during_verification_does_not_leave_a_stale_verdict(stack: Stack) -> None:
    cid = stack.open_consultation("seller_a", "d02")["id"]
    stack.put_transcript(cid, load_case("d02")["transcript"])  # fails: the agent agrees to a guarantee
    corrected = {
        "segments": [s for s in load_case("d02")["transcript"]["segments"] if "원금은" not in s["text"]]
    }
    s = stack.container.services
    seller = Principal("seller-a", Role.SELLER, "강남", Scope.OWN)

    @dataclasses.dataclass
    class Interleaved:  # the verifier, with the seller's corrected transcript arriving while it runs
        inner: Any
        done: bool = False

        @property
        def rulebook(self) -> Any:
            return self.inner.rulebook

        def verify(self, case: Any) -> Any:
            if not self.done:
                self.done = True
                services.store_transcript(s, seller, cid, transcript_from_data(corrected, "corrected"))
            return self.inner.verify(case)

    interleaved = Interleaved(s.verifier())
    stack.container.services = dataclasses.replace(s, verifier=lambda: interleaved)
    answer = stack.client.post(f"{API}/consultations/{cid}/verification", headers=stack.auth("seller_a"))
    assert interleaved.done and answer.status_code in (200, 409), answer.text
    read = stack.client.get(f"{API}/consultations/{cid}", headers=stack.auth("seller_a")).json()
    if read["status"] == "verified":
        latest = stack.client.get(f"{API}/consultations/{cid}/report", headers=stack.auth("seller_a")).json()
        assert latest["transcript_sha256"] == read["transcript"]["sha256"], (
            latest["verdict"],
            "stale verdict",
        )


def test_the_sweep_keeps_a_transcript_that_a_verification_record_was_computed_from(stack: Stack) -> None:
    cid = stack.verified("seller_a", "d02")["id"]
    (verified_key,) = stack.object_keys(f"transcripts/{cid}/")
    stack.put_transcript(cid, _variant("d02", "corrected"))
    with stack.container.services.uow() as uow:
        sweep_orphans(
            stack.container.services.objects, uow.consultations.referenced_object, older_than=timedelta(0)
        )
    assert verified_key in stack.object_keys(f"transcripts/{cid}/")


def test_concurrent_retries_with_one_idempotency_key_create_one_consultation(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    both_reserving = threading.Barrier(2, timeout=20)
    original = SqlIdempotencyRepository.put

    def put(self: SqlIdempotencyRepository, principal: str, key: str, response: Any) -> None:
        if key.startswith("race-") and response.status_code == 0:
            both_reserving.wait()  # both retries try to reserve the key at the same moment
        original(self, principal, key, response)

    monkeypatch.setattr(SqlIdempotencyRepository, "put", put)
    before = len(stack.list_all("admin"))
    key, body = f"race-{uuid.uuid4()}", {"customer_id": "c-d17", "product_id": "dep-fixed-12m"}
    answers: list[Any] = []

    def retry() -> None:
        client = stack.new_client()
        answers.append(
            client.post(
                f"{API}/consultations", json=body, headers=stack.auth("seller_b") | {"Idempotency-Key": key}
            )
        )

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 201]
    assert len(stack.list_all("admin")) == before + 1
    assert answers[0].json()["id"] == answers[1].json()["id"]


def test_the_latest_report_is_the_verification_the_consultation_recorded_last(stack: Stack) -> None:
    cid = stack.open_consultation("seller_a", "d02")["id"]
    stack.put_transcript(cid, load_case("d02")["transcript"])
    s = stack.container.services
    reviewer = Principal("reviewer-gangnam", Role.REVIEWER, "강남", Scope.BRANCH)
    opened: list[int] = []

    def uow() -> Any:  # the HTTP verification's writing unit of work waits for a reviewer's verification
        opened.append(1)
        if len(opened) == 1:
            services.verify_consultation(s, reviewer, cid)
        return s.uow()

    stack.container.services = dataclasses.replace(s, uow=uow)
    raced = stack.verify(cid, "seller_a")
    stack.container.services = s
    read = stack.client.get(f"{API}/consultations/{cid}", headers=stack.auth("seller_a")).json()
    last = [e["detail"]["verification_id"] for e in read["history"] if e["kind"] == "verified"]
    assert len(last) == 2 and last[-1] == raced["id"]
    latest = stack.client.get(f"{API}/consultations/{cid}/report", headers=stack.auth("seller_a")).json()
    assert latest["id"] == last[-1]

"""A consultation's lifecycle: every move is a timestamped event; illegal moves are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wanjeon.consultation.lifecycle import (
    Consultation,
    Decision,
    EventKind,
    IllegalTransition,
    Status,
    StoredRef,
)
from wanjeon.consultation.model import SaleContext

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
REF = StoredRef("k", "0" * 64, 10, "audio/wav")


def fresh() -> Consultation:
    return Consultation.open("cs-1", "p-1", "c-1", "seller1", "강남", SaleContext(), T0)


def test_a_recording_session_is_a_sequence_of_timestamped_events() -> None:
    c = fresh()
    for minutes, move in enumerate(
        (c.start_recording, c.pause_recording, c.resume_recording, c.stop_recording), 1
    ):
        move(T0 + timedelta(minutes=minutes), "seller1")
    assert c.status is Status.RECORDED
    assert [e.kind for e in c.events] == [
        EventKind.CREATED,
        EventKind.RECORDING_STARTED,
        EventKind.RECORDING_PAUSED,
        EventKind.RECORDING_RESUMED,
        EventKind.RECORDING_STOPPED,
    ]
    assert [e.at for e in c.events] == sorted(e.at for e in c.events)


def test_the_full_path_from_upload_to_review() -> None:
    c = fresh()
    c.store_recording(REF, T0, "seller1")
    c.store_transcript(REF, T0, "worker")
    c.record_verification("vr-1", "fail", "2026.11", T0, "worker")
    c.review(Decision.REJECT, "원금 보장 발언", T0, "reviewer1")
    assert c.status is Status.REVIEWED and c.verdict == "fail"


def test_re_verifying_a_reviewed_consultation_keeps_it_reviewed() -> None:
    c = fresh()
    c.store_transcript(REF, T0, "seller1")
    c.record_verification("vr-1", "fail", "2026.11", T0, "seller1")
    c.review(Decision.FOLLOW_UP, "", T0, "reviewer1")
    c.record_verification("vr-2", "pass", "2026.12", T0, "reviewer1")
    assert c.status is Status.REVIEWED and c.verdict == "pass"


@pytest.mark.parametrize(
    ("prepare", "move"),
    [
        ([], lambda c: c.review(Decision.APPROVE, "", T0, "r")),
        ([], lambda c: c.record_verification("v", "pass", "x", T0, "s")),
        ([], lambda c: c.pause_recording(T0, "s")),
        (["start"], lambda c: c.resume_recording(T0, "s")),
        (["start"], lambda c: c.store_recording(REF, T0, "s")),
        (["start", "stop"], lambda c: c.start_recording(T0, "s")),
    ],
)
def test_an_illegal_move_is_refused_with_the_reason(prepare: list[str], move: object) -> None:
    c = fresh()
    for step in prepare:
        {"start": c.start_recording, "stop": c.stop_recording}[step](T0, "s")
    before = list(c.events)
    with pytest.raises(IllegalTransition) as caught:
        move(c)  # type: ignore[operator]
    assert "cannot" in str(caught.value) and c.status.value in str(caught.value)
    assert c.events == before


def test_a_failure_records_its_reason_and_a_new_transcript_recovers() -> None:
    c = fresh()
    c.store_recording(REF, T0, "seller1")
    c.fail("speech recognition timed out", T0, "worker")
    assert c.status is Status.FAILED and c.failure_reason == "speech recognition timed out"
    c.store_transcript(REF, T0, "seller1")
    assert c.status is Status.TRANSCRIBED and c.failure_reason is None

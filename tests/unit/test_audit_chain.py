"""The audit trail is a hash chain: any edited, deleted or moved entry is found and named."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest

from wanjeon.audit.chain import (
    GENESIS,
    AuditEntry,
    Checkpoint,
    entry_hash,
    next_entry,
    verify_chain,
)
from wanjeon.audit.memory import MemoryAuditLog
from wanjeon.audit.ports import AuditLog
from wanjeon.errors import EngineError

T0 = datetime(2025, 9, 1, 9, 30, tzinfo=UTC)
ACTIONS = ["recording.read", "transcript.read", "report.read", "report.update", "transcript.read"]


def _chain(length: int = 5) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(length):
        entries.append(
            next_entry(
                entries[-1] if entries else None,
                at=T0 + timedelta(seconds=i),
                actor=f"agent-{i % 2}",
                action=ACTIONS[i % len(ACTIONS)],
                target=f"consultation/C-{100 + i}",
                detail={"ip": "10.0.0.7", "fields": ["verdict"], "n": i},
            )
        )
    return entries


def _problem_seqs(entries: list[AuditEntry], **kwargs: Any) -> list[str]:
    report = verify_chain(entries, **kwargs)
    assert not report.ok
    return [p.split(":")[0] for p in report.problems]


def test_a_chain_built_entry_by_entry_verifies() -> None:
    entries = _chain()
    report = verify_chain(entries)
    assert report.ok and report.checked == 5 and report.problems == []
    assert entries[0].prev_hash == GENESIS
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert all(e.prev_hash == p.hash for p, e in pairwise(entries))


def test_an_empty_chain_verifies() -> None:
    assert verify_chain([]).ok


def test_the_hash_is_sha256_of_canonical_json() -> None:
    at = datetime(2025, 9, 1, 18, 30, tzinfo=timezone(timedelta(hours=9)))
    canonical = (
        '{"action":"report.read","actor":"김상담","at":"2025-09-01T09:30:00.000000+00:00",'
        f'"detail":{{"a":"통장","b":1}},"prev_hash":"{GENESIS}","seq":1,"target":"report/7"}}'
    )
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert entry_hash(1, at, "김상담", "report.read", "report/7", {"b": 1, "a": "통장"}, GENESIS) == expected


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    seoul = T0.astimezone(timezone(timedelta(hours=9)))
    assert entry_hash(1, seoul, "a", "b", "c", {}, GENESIS) == entry_hash(1, T0, "a", "b", "c", {}, GENESIS)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(EngineError, match="no time zone"):
        next_entry(None, at=datetime(2025, 9, 1), actor="a", action="b", target="c", detail={})


def test_an_entry_keeps_its_own_copy_of_the_detail() -> None:
    detail: dict[str, Any] = {"fields": ["verdict"]}
    entry = next_entry(None, at=T0, actor="a", action="report.update", target="r/1", detail=detail)
    detail["fields"].append("summary")
    assert entry.detail == {"fields": ["verdict"]}
    assert verify_chain([entry]).ok


EDITS: dict[str, Any] = {
    "seq": lambda e: e.seq + 100,
    "at": lambda e: e.at + timedelta(microseconds=1),
    "actor": lambda e: "intruder",
    "action": lambda e: "report.delete",
    "target": lambda e: "consultation/C-999",
    "detail": lambda e: {**e.detail, "n": -1},
    "prev_hash": lambda e: "f" * 64,
    "hash": lambda e: "e" * 64,
}


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("field", list(EDITS))
def test_editing_any_field_of_any_entry_is_found_and_named(field: str, index: int) -> None:
    entries = _chain()
    edited = replace(entries[index], **{field: EDITS[field](entries[index])})
    entries[index] = edited
    report = verify_chain(entries)
    assert not report.ok
    assert f"seq {edited.seq}: hash mismatch (the entry was edited)" in report.problems


def test_changing_the_detail_in_place_is_found() -> None:
    entries = _chain()
    entries[2].detail["ip"] = "10.9.9.9"
    assert verify_chain(entries).problems == ["seq 3: hash mismatch (the entry was edited)"]


def test_an_edited_stored_hash_is_blamed_on_its_own_entry_only() -> None:
    entries = _chain()
    entries[1] = replace(entries[1], hash="e" * 64)
    assert verify_chain(entries).problems == ["seq 2: hash mismatch (the entry was edited)"]


def test_an_edited_entry_given_a_fresh_hash_breaks_the_next_link() -> None:
    entries = _chain()
    e = replace(entries[2], actor="intruder")
    entries[2] = replace(e, hash=entry_hash(e.seq, e.at, e.actor, e.action, e.target, e.detail, e.prev_hash))
    assert _problem_seqs(entries) == ["seq 4"]


@pytest.mark.parametrize(("deleted", "named"), [(2, "seq 4"), (3, "seq 5"), (0, "seq 2")])
def test_deleting_a_middle_the_last_but_one_or_the_first_entry_is_found(deleted: int, named: str) -> None:
    entries = _chain()
    del entries[deleted]
    problems = verify_chain(entries).problems
    assert [p.split(":")[0] for p in problems] == [named]
    assert "deleted" in problems[0]


def test_deleting_several_entries_names_the_missing_seqs() -> None:
    entries = _chain()
    del entries[1:3]
    assert verify_chain(entries).problems == ["seq 4: follows seq 1; seqs 2–3 deleted or moved"]


def test_deleting_and_renumbering_is_still_found() -> None:
    entries = _chain()
    del entries[2]
    entries[2:] = [replace(e, seq=e.seq - 1) for e in entries[2:]]
    assert _problem_seqs(entries) == ["seq 3", "seq 3", "seq 4"]


def test_reordering_entries_is_found() -> None:
    entries = _chain()
    entries[1], entries[2] = entries[2], entries[1]
    problems = verify_chain(entries).problems
    assert any("reordered" in p for p in problems)
    assert {p.split(":")[0] for p in problems} >= {"seq 2", "seq 3"}


def test_a_duplicated_entry_is_found() -> None:
    entries = _chain()
    entries.insert(2, entries[1])
    assert verify_chain(entries).problems == ["seq 2: follows seq 2 (entries reordered or duplicated)"]


def test_a_chain_kept_after_an_archive_verifies_from_its_checkpoint() -> None:
    entries = _chain()
    kept = entries[2:]
    checkpoint = Checkpoint(entries[1].seq, entries[1].hash)
    assert verify_chain(kept, checkpoint=checkpoint).ok
    assert _problem_seqs(kept) == ["seq 3"]
    assert _problem_seqs(kept, checkpoint=Checkpoint(2, "a" * 64)) == ["seq 3"]


def test_dropping_the_newest_entry_is_found_only_against_an_anchored_head() -> None:
    entries = _chain()
    head = Checkpoint(entries[-1].seq, entries[-1].hash)
    assert verify_chain(entries, head=head).ok
    assert verify_chain(entries[:-1]).ok
    assert _problem_seqs(entries[:-1], head=head) == ["seq 5"]


def test_the_memory_log_is_an_audit_log_and_chains_what_it_appends() -> None:
    log: AuditLog = MemoryAuditLog(clock=lambda: T0)
    log.append(actor="kim", action="recording.read", target="recording/1")
    log.append(actor="lee", action="report.update", target="report/1", detail={"verdict": "fail"})
    first, second = log.all()
    assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
    assert first.detail == {} and first.at == T0
    assert verify_chain(log.all()).ok


def test_memory_log_entries_page_and_filter() -> None:
    log = MemoryAuditLog()
    for i in range(10):
        log.append(actor=f"u{i % 2}", action="transcript.read", target=f"t/{i % 3}")
    assert [e.seq for e in log.entries(limit=3)] == [1, 2, 3]
    assert [e.seq for e in log.entries(after_seq=8)] == [9, 10]
    assert [e.seq for e in log.entries(actor="u1", target="t/0")] == [4, 10]
    assert log.entries(action="report.read") == []
    assert log.entries(limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        log.entries(limit=-1)


def test_concurrent_appends_from_eight_threads_make_one_valid_chain_without_gaps() -> None:
    log = MemoryAuditLog()
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        start.wait()
        for i in range(200):
            log.append(actor=f"worker-{worker}", action="transcript.read", target=f"t/{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = list(log.all())
    assert [e.seq for e in entries] == list(range(1, 1601))
    assert verify_chain(entries).ok
    assert {e.actor for e in entries} == {f"worker-{n}" for n in range(8)}

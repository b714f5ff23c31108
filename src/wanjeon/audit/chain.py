"""A tamper-evident audit trail: every entry carries the hash of the one before it.

Reads of recordings, transcripts and reports, and every change, are appended as
``AuditEntry`` values. Each entry's ``hash`` covers its own fields *and* the previous
entry's hash, so that

* editing any field of an entry changes its hash (``hash mismatch``);
* deleting an entry leaves a gap in ``seq`` and a link that points nowhere;
* moving entries breaks the order of ``seq`` and the links.

What a chain cannot show by itself: the loss of its newest entries, or a rewrite of an
entry together with everything after it. For that, keep the head (its ``seq`` and
``hash``) somewhere the log's writer cannot reach and pass it to ``verify_chain`` as
``head``. A log whose old part was archived starts from a ``Checkpoint``: the ``seq``
and ``hash`` of the last archived entry, which the first kept entry links to.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wanjeon.errors import EngineError

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One thing someone did: ``actor`` did ``action`` (``transcript.read``) to ``target``."""

    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any] = field(hash=False)
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A trusted point of the chain, kept outside the log: the ``seq`` and ``hash`` of
    the last archived entry (where a kept chain starts) or of the head (where it ends)."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of ``verify_chain``: each problem names the ``seq`` it was found at."""

    ok: bool
    checked: int
    problems: list[str]


def entry_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the entry's canonical JSON.

    Canonical so that any store can recompute it: sorted keys, no blanks, UTF-8 kept as
    is, and times (also inside ``detail``) in UTC as ``2025-09-01T09:30:00.000000+00:00``.
    """
    body = {
        "seq": seq,
        "at": _iso(at),
        "actor": actor,
        "action": action,
        "target": target,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    try:
        text = json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json
        )
    except (TypeError, ValueError) as error:
        raise EngineError(f"audit entry {seq} cannot be hashed: {error}") from error
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def next_entry(
    previous: AuditEntry | None,
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    detail: Mapping[str, Any],
) -> AuditEntry:
    """The entry that follows ``previous`` (or starts the chain when it is ``None``).

    ``detail`` is copied, so that a caller changing its dict later cannot silently
    break the chain; ``at`` must be timezone-aware and is stored in UTC.
    """
    seq = previous.seq + 1 if previous is not None else 1
    prev_hash = previous.hash if previous is not None else GENESIS
    at = _utc(at)
    kept = copy.deepcopy(dict(detail))
    digest = entry_hash(seq, at, actor, action, target, kept, prev_hash)
    return AuditEntry(seq, at, actor, action, target, kept, prev_hash, digest)


def verify_chain(
    entries: Iterable[AuditEntry],
    *,
    checkpoint: Checkpoint | None = None,
    head: Checkpoint | None = None,
) -> ChainReport:
    """Check entries in the order given; every problem found is reported, not just the first.

    Without ``checkpoint`` the chain must start at seq 1 linked to ``GENESIS``; with one
    it must start at ``checkpoint.seq + 1`` linked to ``checkpoint.hash``. With ``head``
    the last entry must be that one, which shows that newest entries were not dropped.
    """
    problems: list[str] = []
    expected_seq, expected_prev = (checkpoint.seq + 1, checkpoint.hash) if checkpoint else (1, GENESIS)
    previous: AuditEntry | None = None
    previous_recomputed: str | None = None
    checked = 0
    for entry in entries:
        checked += 1
        recomputed = _recompute(entry, problems)
        if entry.seq != expected_seq:
            problems.append(_sequence_problem(entry, expected_seq, previous, checkpoint))
        elif entry.prev_hash not in (expected_prev, previous_recomputed):
            # A link to the previous entry's *recomputed* hash means that entry's stored
            # hash was edited, which is reported there already.
            to = f"seq {previous.seq}" if previous else _origin(checkpoint)
            problems.append(
                f"seq {entry.seq}: prev_hash does not match the hash of {to}"
                " (an entry was deleted, moved or rewritten)"
            )
        previous, previous_recomputed = entry, recomputed
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    if head is not None and (previous is None or (previous.seq, previous.hash) != (head.seq, head.hash)):
        last = f"seq {previous.seq}" if previous else "an empty chain"
        problems.append(
            f"seq {head.seq}: the anchored head is missing; the chain ends at {last}"
            " (newest entries were deleted or rewritten)"
        )
    return ChainReport(ok=not problems, checked=checked, problems=problems)


def _recompute(entry: AuditEntry, problems: list[str]) -> str | None:
    try:
        digest = entry_hash(
            entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.detail, entry.prev_hash
        )
    except EngineError as error:
        problems.append(f"seq {entry.seq}: {error} (the entry was edited)")
        return None
    if digest != entry.hash:
        problems.append(f"seq {entry.seq}: hash mismatch (the entry was edited)")
    return digest


def _sequence_problem(
    entry: AuditEntry, expected: int, previous: AuditEntry | None, checkpoint: Checkpoint | None
) -> str:
    if previous is None:
        return (
            f"seq {entry.seq}: the chain must start at seq {expected} linked to {_origin(checkpoint)}"
            " (the entries before it were deleted, or a checkpoint is missing)"
        )
    if entry.seq > expected:
        missing = f"seq {expected}" if entry.seq == expected + 1 else f"seqs {expected}–{entry.seq - 1}"
        return f"seq {entry.seq}: follows seq {previous.seq}; {missing} deleted or moved"
    return f"seq {entry.seq}: follows seq {previous.seq} (entries reordered or duplicated)"


def _origin(checkpoint: Checkpoint | None) -> str:
    return f"checkpoint seq {checkpoint.seq}" if checkpoint else "GENESIS"


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise EngineError(f"audit time {at.isoformat()} has no time zone")
    return at.astimezone(UTC)


def _iso(at: datetime) -> str:
    return _utc(at).isoformat(timespec="microseconds")


def _json(value: object) -> str:
    if isinstance(value, datetime):
        return _iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON")

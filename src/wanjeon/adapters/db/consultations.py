"""The SQL consultation repository: optimistic saves, append-only events, scoped keyset lists.

- ``save`` updates ``WHERE id = :id AND version = :loaded`` and bumps the version; no row
  updated means somebody saved first, so it raises ``ConcurrentUpdate`` and the caller
  retries from a fresh read. Events beyond those stored are inserted; stored events are
  never rewritten, so the status history is an append-only audit of the sale.
- ``get(for_update=True)`` locks the row (``SELECT … FOR UPDATE``) on PostgreSQL. On
  SQLite, when it is the first statement of the unit of work, the transaction begins
  ``IMMEDIATE`` (the database-wide write lock); later in a transaction it is a no-op and
  the optimistic check still protects the save.
- ``list`` applies the principal's visibility (``accounts.policy.sees``) in the query.
  ``created_from`` is inclusive and ``created_to`` exclusive, so adjacent ranges never
  count a consultation twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from wanjeon.accounts.model import Principal, Scope
from wanjeon.adapters.db import tables as t
from wanjeon.adapters.db.engine import SQLITE_BEGIN
from wanjeon.adapters.db.errors import conflicts_as_concurrent_update
from wanjeon.adapters.db.paging import clamp_limit, decode_cursor, encode_cursor
from wanjeon.adapters.db.repositories import insert_once, now
from wanjeon.consultation.lifecycle import Consultation, Event, EventKind, Status, StoredRef
from wanjeon.consultation.model import Channel, SaleContext
from wanjeon.consultation.ports import ConcurrentUpdate, ConsultationFilter, Page
from wanjeon.errors import EngineError

_C = t.consultations.c
_E = t.consultation_events.c
# The reads every request makes, built once: a statement object keeps its cache key, so
# executing it again skips building the expression and looking up its compiled form.
# A plain read takes a consultation with its events in one round trip, a row per event.
# A locking read cannot: on PostgreSQL a statement that waited for the row lock rechecks
# the locked row but keeps the joined rows of its older snapshot, so it reads the events
# in a second statement, after the lock is held.
_WITH_EVENTS = (
    sa.select(
        t.consultations,
        _E.seq.label("event_seq"),
        _E.kind.label("event_kind"),
        _E.at.label("event_at"),
        _E.actor.label("event_actor"),
        _E.detail.label("event_detail"),
    )
    .outerjoin(t.consultation_events, _E.consultation_id == _C.id)
    .where(_C.id == sa.bindparam("id"))
    .order_by(_E.seq)
)
_ONE = sa.select(t.consultations).where(_C.id == sa.bindparam("id"))
_ONE_FOR_UPDATE = _ONE.with_for_update()
_EVENTS = (
    sa.select(t.consultation_events)
    .where(_E.consultation_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(_E.consultation_id, _E.seq)
)
_EVENT_COUNT = (
    sa.select(sa.func.count())
    .select_from(t.consultation_events)
    .where(_E.consultation_id == sa.bindparam("id"))
)


class SqlConsultationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, consultation: Consultation) -> None:
        row = {
            "id": consultation.id,
            "product_id": consultation.product_id,
            "customer_id": consultation.customer_id,
            "agent": consultation.agent,
            "branch": consultation.branch,
            "created_at": consultation.created_at,
            "version": consultation.version,
            **_mutable_columns(consultation),
        }
        insert_once(self._session, sa.insert(t.consultations).values(row), f"consultation {consultation.id}")
        self._insert_events(consultation, 0)

    def get(self, consultation_id: str, *, for_update: bool = False) -> Consultation | None:
        if not for_update:
            rows = self._session.execute(_WITH_EVENTS, {"id": consultation_id}).all()
            if not rows:
                return None
            events = [
                Event(EventKind(row.event_kind), row.event_at, row.event_actor, row.event_detail)
                for row in rows
                if row.event_seq is not None
            ]
            return _consultation(rows[0], events)
        query = _ONE
        if self._session.get_bind().dialect.name == "sqlite":
            if not self._session.in_transaction():
                self._session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        else:
            query = _ONE_FOR_UPDATE
        row = self._session.execute(query, {"id": consultation_id}).one_or_none()
        if row is None:
            return None
        return _consultation(row, _load_events(self._session, [consultation_id])[consultation_id])

    def save(self, consultation: Consultation) -> None:
        what = f"consultation {consultation.id}"
        with conflicts_as_concurrent_update(what):
            result = self._session.execute(
                sa.update(t.consultations)
                .where(_C.id == consultation.id, _C.version == consultation.version)
                .values(version=consultation.version + 1, **_mutable_columns(consultation))
            )
            if cast(CursorResult[Any], result).rowcount != 1:
                raise ConcurrentUpdate(
                    f"{what} changed since it was read at version {consultation.version}; reload and retry"
                )
            stored = int(self._session.scalar(_EVENT_COUNT, {"id": consultation.id}) or 0)
            if stored > len(consultation.events):
                raise EngineError(f"{what} lost events: {stored} stored, {len(consultation.events)} held")
            self._insert_events(consultation, stored)
        consultation.version += 1

    def list(self, principal: Principal, flt: ConsultationFilter, *, limit: int, cursor: str | None) -> Page:
        limit = clamp_limit(limit)
        query = sa.select(t.consultations).where(*_visible_to(principal), *_matching(flt))
        if cursor is not None:
            at, last_id = decode_cursor(cursor)
            query = query.where(sa.or_(_C.created_at < at, sa.and_(_C.created_at == at, _C.id < last_id)))
        query = query.order_by(_C.created_at.desc(), _C.id.desc()).limit(limit + 1)
        rows = self._session.execute(query).all()
        more, rows = len(rows) > limit, rows[:limit]
        events = _load_events(self._session, [row.id for row in rows])
        items = [_consultation(row, events[row.id]) for row in rows]
        last = items[-1] if more else None
        return Page(items, None if last is None else encode_cursor(last.created_at, last.id))

    def referenced_object(self, key: str) -> bool:
        query = sa.select(sa.exists().where(sa.or_(_C.recording_key == key, _C.transcript_key == key)))
        verified = sa.select(sa.exists().where(t.verifications.c.transcript_key == key))
        return bool(self._session.scalar(query)) or bool(self._session.scalar(verified))

    # --- rows ---------------------------------------------------------------------------------
    def _insert_events(self, consultation: Consultation, start: int) -> None:
        rows = [
            {
                "consultation_id": consultation.id,
                "seq": seq,
                "kind": event.kind.value,
                "at": event.at,
                "actor": event.actor,
                "detail": event.detail,
            }
            for seq, event in enumerate(consultation.events[start:], start=start)
        ]
        if rows:
            self._session.execute(sa.insert(t.consultation_events), rows)


def _load_events(session: Session, ids: list[str]) -> dict[str, list[Event]]:
    """The events of several consultations in one query, each list in the order they happened."""
    found: dict[str, list[Event]] = defaultdict(list)
    if ids:
        for row in session.execute(_EVENTS, {"ids": ids}):
            found[row.consultation_id].append(Event(EventKind(row.kind), row.at, row.actor, row.detail))
    return found


def _visible_to(principal: Principal) -> list[sa.ColumnElement[bool]]:
    """``accounts.policy.sees`` as SQL, so a list never shows what a read would refuse."""
    if principal.scope is Scope.ALL:
        return []
    if principal.scope is Scope.BRANCH:
        return [_C.branch == principal.branch]
    return [_C.agent == principal.subject]


def _matching(flt: ConsultationFilter) -> list[sa.ColumnElement[bool]]:
    wanted: list[tuple[sa.Column[Any], Any]] = [
        (_C.verdict, flt.verdict),
        (_C.status, flt.status),
        (_C.product_id, flt.product_id),
        (_C.agent, flt.agent),
        (_C.branch, flt.branch),
    ]
    clauses = [column == value for column, value in wanted if value is not None]
    if flt.created_from is not None:
        clauses.append(_C.created_at >= flt.created_from)
    if flt.created_to is not None:
        clauses.append(_C.created_at < flt.created_to)
    return clauses


def _mutable_columns(c: Consultation) -> dict[str, Any]:
    return {
        "context": {"recommended": c.context.recommended, "channel": c.context.channel.value},
        "status": c.status.value,
        "paused": c.paused,
        "verdict": c.verdict,
        "failure_reason": c.failure_reason,
        "updated_at": now(),
        **_ref_columns("recording", c.recording),
        **_ref_columns("transcript", c.transcript),
    }


def _ref_columns(prefix: str, ref: StoredRef | None) -> dict[str, Any]:
    fields = ("key", "sha256", "size", "content_type")
    return {f"{prefix}_{name}": None if ref is None else getattr(ref, name) for name in fields}


def _ref(row: sa.Row[Any], prefix: str) -> StoredRef | None:
    key = getattr(row, f"{prefix}_key")
    if key is None:
        return None
    return StoredRef(
        key,
        getattr(row, f"{prefix}_sha256"),
        getattr(row, f"{prefix}_size"),
        getattr(row, f"{prefix}_content_type"),
    )


def _consultation(row: sa.Row[Any], events: list[Event]) -> Consultation:
    context = SaleContext(bool(row.context["recommended"]), Channel(row.context["channel"]))
    created_at: datetime = row.created_at
    return Consultation(
        id=row.id,
        product_id=row.product_id,
        customer_id=row.customer_id,
        agent=row.agent,
        branch=row.branch,
        context=context,
        created_at=created_at,
        status=Status(row.status),
        paused=row.paused,
        recording=_ref(row, "recording"),
        transcript=_ref(row, "transcript"),
        verdict=row.verdict,
        failure_reason=row.failure_reason,
        events=events,
        version=row.version,
    )

"""The storage contract of ``consultation.ports``, and the in-memory fake keeping it.

``StorageContract`` holds every test a ``UnitOfWork`` must pass; a subclass supplies
``new_uow`` (a factory of units of work over one fresh, empty store). Here it runs
against ``MemoryUnitOfWork``; ``tests/integration/test_repositories.py`` runs the very
same tests against SQLite and PostgreSQL, so the fake cannot drift from the database.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from wanjeon.accounts.model import Account, Principal, Role, Scope
from wanjeon.accounts.policy import sees
from wanjeon.adapters.db.memory import MemoryStore, MemoryUnitOfWork
from wanjeon.audit.chain import verify_chain
from wanjeon.audit.ports import AuditLog
from wanjeon.consultation.lifecycle import Consultation, Decision, Event, EventKind, Status, StoredRef
from wanjeon.consultation.model import (
    Category,
    Channel,
    Customer,
    InvestorType,
    Kind,
    Product,
    SaleContext,
)
from wanjeon.consultation.ports import (
    AlreadyExists,
    ConcurrentUpdate,
    ConsultationFilter,
    RulebookVersion,
    StoredResponse,
    UnitOfWork,
    VerificationRecord,
)
from wanjeon.errors import EngineError, InputError

NewUow = Callable[[], UnitOfWork]
NewReads = Callable[[], UnitOfWork]
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
KST = timezone(timedelta(hours=9))
ADMIN = Principal("admin", Role.ADMIN, "hq", Scope.ALL)
PEOPLE = [("a1", "b1"), ("a2", "b1"), ("a3", "b2")]


def els() -> Product:
    return Product(
        "p-els",
        "글로벌 지수연계 ELS 제31회",
        Category.INVESTMENT,
        Kind.ELS,
        risk_grade=1,
        complex=True,
        withdrawal_days=7,
        fees="판매보수 연 0.5%",
        features={"underlying_assets": ["HSCEI", "S&P500"], "knock_in": "최초기준가격의 50%"},
    )


def fund() -> Product:
    return Product("p-fund", "배당주 펀드", Category.INVESTMENT, Kind.FUND, risk_grade=3)


def seed_catalogue(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.products.add(els())
        uow.products.add(fund())
        uow.customers.add(Customer("c-1", 72, InvestorType.STABLE_SEEKING, 0, vulnerable=True))
        uow.rulebooks.ensure(RulebookVersion("2026.1", "d1", "items: []", T0))
        uow.rulebooks.ensure(RulebookVersion("2026.2", "d2", "items: [x]", T0))
        uow.commit()


def opened(
    cid: str, at: datetime = T0, agent: str = "a1", branch: str = "b1", product: str = "p-els"
) -> Consultation:
    return Consultation.open(cid, product, "c-1", agent, branch, SaleContext(False, Channel.PHONE), at)


def ref(kind: str, cid: str) -> StoredRef:
    return StoredRef(f"{kind}/{cid}", "ab" * 32, 1234, "audio/wav" if kind == "rec" else "application/json")


def add(new_uow: NewUow, *consultations: Consultation) -> None:
    with new_uow() as uow:
        for c in consultations:
            uow.consultations.add(c)
        uow.commit()


def get(new_uow: NewUow, cid: str) -> Consultation:
    with new_uow() as uow:
        found = uow.consultations.get(cid)
    assert found is not None
    return found


def seed_list(new_uow: NewUow) -> list[Consultation]:
    """Twelve consultations across three sellers, two branches, two products and four states."""
    made = []
    for i in range(12):
        agent, branch = PEOPLE[i % 3]
        at = T0 + timedelta(minutes=i // 2)  # pairs share a creation time: ties broken by id
        c = opened(f"k{i:02d}", at, agent, branch, ("p-els", "p-fund")[i % 2])
        if i % 4 in (1, 2):
            c.store_transcript(ref("tr", c.id), at, agent)
            c.record_verification(f"v{i}", ("pass", "fail")[i % 4 - 1], "2026.1", at, agent)
        elif i % 4 == 3:
            c.start_recording(at, agent)
        made.append(c)
    add(new_uow, *made)
    return made


def newest_first(cs: list[Consultation]) -> list[str]:
    return [c.id for c in sorted(cs, key=lambda c: (c.created_at, c.id), reverse=True)]


def all_pages(uow: UnitOfWork, principal: Principal, flt: ConsultationFilter, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = uow.consultations.list(principal, flt, limit=limit, cursor=cursor)
        pages.append([c.id for c in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


class StorageContract:
    """What every ``UnitOfWork`` keeps; subclasses provide the ``new_uow`` fixture (and
    ``new_reads``, reading units of work, and ``audit_log``, the log they record into,
    over the same store)."""

    # --- the audit entries of a change ------------------------------------------------------
    def test_audit_entries_are_stored_with_their_change_and_never_without_it(
        self, new_uow: NewUow, audit_log: AuditLog
    ) -> None:
        seed_catalogue(new_uow)
        with new_uow() as uow:  # left without commit
            uow.consultations.add(opened("k1"))
            uow.audit.append(actor="a1", action="consultation.create", target="consultation:k1")
        with new_uow() as uow:
            uow.consultations.add(opened("k2"))
            uow.audit.append(actor="a1", action="consultation.create", target="consultation:k2")
            uow.rollback()
            uow.consultations.add(opened("k3"))
            uow.audit.append(actor="a1", action="consultation.create", target="consultation:k3")
            uow.audit.append(actor="a1", action="recording.start", target="consultation:k3", detail={"n": 3})
            uow.commit()
        entries = list(audit_log.all())
        assert [(e.seq, e.action, e.target) for e in entries] == [
            (1, "consultation.create", "consultation:k3"),
            (2, "recording.start", "consultation:k3"),
        ]
        assert entries[1].detail == {"n": 3}
        assert verify_chain(entries).ok

    def test_audit_entries_of_successive_commits_chain_in_commit_order(
        self, new_uow: NewUow, audit_log: AuditLog
    ) -> None:
        seed_catalogue(new_uow)
        audit_log.append(actor="reviewer", action="report.read", target="consultation:k0")
        for i in range(1, 4):
            with new_uow() as uow:
                uow.consultations.add(opened(f"k{i}"))
                uow.audit.append(actor="a1", action="consultation.create", target=f"consultation:k{i}")
                uow.commit()
        entries = list(audit_log.all())
        assert [e.target for e in entries] == [f"consultation:k{i}" for i in range(4)]
        assert [e.seq for e in entries] == [1, 2, 3, 4]
        assert verify_chain(entries).ok

    # --- reading units of work ---------------------------------------------------------------
    def test_a_reading_unit_sees_what_is_committed_and_cannot_commit(
        self, new_uow: NewUow, new_reads: NewReads
    ) -> None:
        seed_catalogue(new_uow)
        add(new_uow, opened("k1"))
        with new_reads() as reads:
            found = reads.consultations.get("k1")
            assert found is not None and found.id == "k1"
            assert reads.products.get("p-els") == els()
            with suppress(RuntimeError):  # SQL refuses the write itself; either way it is never stored
                reads.consultations.add(opened("k2"))
            with pytest.raises(RuntimeError, match="cannot commit"):
                reads.commit()
        with new_reads() as reads:
            assert reads.consultations.get("k2") is None

    # --- catalogue -------------------------------------------------------------------------
    def test_products_and_customers_round_trip_field_for_field(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        with new_uow() as uow:
            assert uow.products.get("p-els") == els()
            assert uow.products.list() == [els(), fund()]
            assert uow.products.get("p-none") is None
            assert uow.customers.get("c-1") == Customer("c-1", 72, InvestorType.STABLE_SEEKING, 0, True)
            assert uow.customers.get("c-none") is None

    def test_adding_a_taken_id_raises_already_exists_and_leaves_the_unit_usable(
        self, new_uow: NewUow
    ) -> None:
        seed_catalogue(new_uow)
        add(new_uow, opened("k1"))
        with new_uow() as uow:
            with pytest.raises(AlreadyExists):
                uow.products.add(replace(els(), name="다른 이름"))
            with pytest.raises(AlreadyExists):
                uow.customers.add(Customer("c-1", 30, InvestorType.ACTIVE))
            with pytest.raises(AlreadyExists):
                uow.consultations.add(opened("k1"))
            uow.products.add(replace(fund(), id="p-new"))
            uow.commit()
        with new_uow() as uow:
            assert uow.products.get("p-els") == els()
            assert uow.products.get("p-new") is not None

    def test_a_consultation_for_an_unknown_product_is_refused_as_a_defect(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        with new_uow() as uow, pytest.raises(EngineError):
            uow.consultations.add(opened("k1", product="p-none"))

    # --- consultations ---------------------------------------------------------------------
    def test_a_consultation_round_trips_with_every_field_and_event(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        at = datetime(2026, 5, 1, 18, 30, 15, 123456, tzinfo=KST)
        c = opened("k1", at)
        c.store_recording(ref("rec", "k1"), at + timedelta(seconds=1), "a1")
        c.store_transcript(ref("tr", "k1"), at + timedelta(seconds=2), "a1")
        c.record_verification("v1", "review", "2026.1", at + timedelta(seconds=3), "a1")
        c.review(Decision.FOLLOW_UP, "원금 손실 가능성 재설명 필요", at + timedelta(seconds=4), "r1")
        add(new_uow, c)
        loaded = get(new_uow, "k1")
        assert loaded == c
        assert loaded.created_at.utcoffset() == timedelta(0)
        assert loaded.created_at == datetime(2026, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)
        assert [e.kind for e in loaded.events] == [
            EventKind.CREATED,
            EventKind.RECORDING_STORED,
            EventKind.TRANSCRIBED,
            EventKind.VERIFIED,
            EventKind.REVIEWED,
        ]
        assert loaded.events[-1].detail == {
            "decision": "follow_up",
            "comment": "원금 손실 가능성 재설명 필요",
        }

    def test_saving_appends_new_events_in_order_and_bumps_the_version(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        add(new_uow, opened("k1"))
        with new_uow() as uow:
            c = uow.consultations.get("k1", for_update=True)
            assert c is not None and c.version == 0
            c.start_recording(T0 + timedelta(seconds=1), "a1")
            uow.consultations.save(c)
            c.pause_recording(T0 + timedelta(seconds=2), "a1")
            uow.consultations.save(c)
            uow.commit()
        assert c.version == 2
        loaded = get(new_uow, "k1")
        assert loaded.version == 2
        assert (loaded.status, loaded.paused) == (Status.RECORDING, True)
        assert [e.kind for e in loaded.events] == [
            EventKind.CREATED,
            EventKind.RECORDING_STARTED,
            EventKind.RECORDING_PAUSED,
        ]

    def test_a_save_never_rewrites_stored_events(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        add(new_uow, opened("k1"))
        with new_uow() as uow:
            c = uow.consultations.get("k1")
            assert c is not None
            c.events[0] = Event(EventKind.CREATED, T0, "forger")
            c.start_recording(T0, "a1")
            uow.consultations.save(c)
            uow.commit()
        assert [e.actor for e in get(new_uow, "k1").events] == ["a1", "a1"]

    def test_of_two_units_saving_the_same_consultation_the_second_gets_concurrent_update(
        self, new_uow: NewUow, audit_log: AuditLog
    ) -> None:
        seed_catalogue(new_uow)
        add(new_uow, opened("k1"))
        with new_uow() as first, new_uow() as second:
            mine, theirs = first.consultations.get("k1"), second.consultations.get("k1")
            assert mine is not None and theirs is not None
            mine.start_recording(T0, "a1")
            first.consultations.save(mine)
            first.audit.append(actor="a1", action="recording.start", target="consultation:k1")
            first.commit()
            second.audit.append(actor="a2", action="transcript.update", target="consultation:k1")
            theirs.store_transcript(ref("tr", "k1"), T0, "a1")
            with pytest.raises(ConcurrentUpdate):
                second.consultations.save(theirs)
        loaded = get(new_uow, "k1")
        assert (loaded.version, loaded.status, len(loaded.events)) == (1, Status.RECORDING, 2)
        # the refused unit's audit entry went with it
        assert [(e.actor, e.action) for e in audit_log.all()] == [("a1", "recording.start")]

    def test_a_stale_copy_saved_later_gets_concurrent_update(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        add(new_uow, opened("k1"))
        stale, fresh = get(new_uow, "k1"), get(new_uow, "k1")
        with new_uow() as uow:
            fresh.start_recording(T0, "a1")
            uow.consultations.save(fresh)
            uow.commit()
        with new_uow() as uow:
            stale.store_transcript(ref("tr", "k1"), T0, "a1")
            with pytest.raises(ConcurrentUpdate):
                uow.consultations.save(stale)
            with pytest.raises(ConcurrentUpdate):
                uow.consultations.save(opened("never-added"))

    def test_referenced_object_finds_recording_and_transcript_keys(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        c = opened("k1")
        c.store_recording(ref("rec", "k1"), T0, "a1")
        c.store_transcript(ref("tr", "k1"), T0, "a1")
        add(new_uow, c, opened("k2"))
        with new_uow() as uow:
            assert uow.consultations.referenced_object("rec/k1")
            assert uow.consultations.referenced_object("tr/k1")
            assert not uow.consultations.referenced_object("rec/k2")

    # --- lists ---------------------------------------------------------------------------------
    @pytest.mark.parametrize(
        ("principal", "expected"),
        [
            (Principal("a1", Role.SELLER, "b1", Scope.OWN), {"a1"}),
            (Principal("r1", Role.REVIEWER, "b1", Scope.BRANCH), {"a1", "a2"}),
            (Principal("r2", Role.REVIEWER, "b2", Scope.BRANCH), {"a3"}),
            (Principal("au", Role.AUDITOR, "hq", Scope.ALL), {"a1", "a2", "a3"}),
        ],
        ids=["own", "branch-b1", "branch-b2", "all"],
    )
    def test_a_list_shows_exactly_what_the_policy_lets_the_principal_see(
        self, new_uow: NewUow, principal: Principal, expected: set[str]
    ) -> None:
        seed_catalogue(new_uow)
        made = seed_list(new_uow)
        visible = [c for c in made if sees(principal, agent=c.agent, branch=c.branch)]
        with new_uow() as uow:
            page = uow.consultations.list(principal, ConsultationFilter(), limit=50, cursor=None)
        assert [c.id for c in page.items] == newest_first(visible)
        assert {c.agent for c in page.items} == expected
        assert page.next_cursor is None

    @pytest.mark.parametrize(
        ("flt", "keep"),
        [
            (ConsultationFilter(verdict="fail"), lambda c: c.verdict == "fail"),
            (ConsultationFilter(status="recording"), lambda c: c.status is Status.RECORDING),
            (ConsultationFilter(product_id="p-fund"), lambda c: c.product_id == "p-fund"),
            (ConsultationFilter(agent="a2"), lambda c: c.agent == "a2"),
            (ConsultationFilter(branch="b2"), lambda c: c.branch == "b2"),
            (
                ConsultationFilter(created_from=T0 + timedelta(minutes=2)),
                lambda c: c.created_at >= T0 + timedelta(minutes=2),
            ),
            (
                ConsultationFilter(created_to=T0 + timedelta(minutes=2)),
                lambda c: c.created_at < T0 + timedelta(minutes=2),
            ),
            (
                ConsultationFilter(status="verified", branch="b1", created_from=T0 + timedelta(minutes=1)),
                lambda c: (
                    c.status is Status.VERIFIED
                    and c.branch == "b1"
                    and c.created_at >= T0 + timedelta(minutes=1)
                ),
            ),
        ],
        ids=["verdict", "status", "product", "agent", "branch", "from-inclusive", "to-exclusive", "combined"],
    )
    def test_each_list_filter_keeps_exactly_the_matching_consultations(
        self, new_uow: NewUow, flt: ConsultationFilter, keep: Callable[[Consultation], bool]
    ) -> None:
        seed_catalogue(new_uow)
        made = seed_list(new_uow)
        with new_uow() as uow:
            page = uow.consultations.list(ADMIN, flt, limit=50, cursor=None)
        expected = newest_first([c for c in made if keep(c)])
        assert expected, "the seed should have something for every filter"
        assert [c.id for c in page.items] == expected

    def test_cursor_pages_cover_the_list_without_duplicates_or_gaps(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        made = seed_list(new_uow)
        with new_uow() as uow:
            for limit in (1, 5, 6, 12):
                pages = all_pages(uow, ADMIN, ConsultationFilter(), limit)
                assert [cid for page in pages for cid in page] == newest_first(made)
                assert all(len(page) == limit for page in pages[:-1]) and 0 < len(pages[-1]) <= limit
            seller = Principal("a1", Role.SELLER, "b1", Scope.OWN)
            pages = all_pages(uow, seller, ConsultationFilter(product_id="p-els"), 1)
            assert [cid for page in pages for cid in page] == newest_first(
                [c for c in made if c.agent == "a1" and c.product_id == "p-els"]
            )

    def test_a_consultation_created_while_paging_causes_no_duplicate(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        made = seed_list(new_uow)
        with new_uow() as uow:
            first = uow.consultations.list(ADMIN, ConsultationFilter(), limit=4, cursor=None)
        add(new_uow, opened("k-newest", T0 + timedelta(days=1)))
        cursor, seen = first.next_cursor, [c.id for c in first.items]
        with new_uow() as uow:
            while cursor is not None:
                page = uow.consultations.list(ADMIN, ConsultationFilter(), limit=4, cursor=cursor)
                seen += [c.id for c in page.items]
                cursor = page.next_cursor
        assert seen == newest_first(made)

    def test_the_limit_is_capped_at_200_and_a_foreign_cursor_is_an_input_error(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        add(new_uow, *(opened(f"m{i:03d}", T0 + timedelta(seconds=i)) for i in range(205)))
        with new_uow() as uow:
            page = uow.consultations.list(ADMIN, ConsultationFilter(), limit=1000, cursor=None)
            assert len(page.items) == 200 and page.next_cursor is not None
            assert len(uow.consultations.list(ADMIN, ConsultationFilter(), limit=0, cursor=None).items) == 1
            for cursor in ("not-a-cursor", "e30", ""):
                with pytest.raises(InputError):
                    uow.consultations.list(ADMIN, ConsultationFilter(), limit=5, cursor=cursor)

    # --- verifications and rulebooks -----------------------------------------------------------
    def test_re_verification_keeps_the_old_record_and_latest_is_the_newest(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        add(new_uow, opened("k1"))
        old = VerificationRecord(
            "v1", "k1", "2026.1", "ab" * 32, "fail", {"verdict": "fail", "items": []}, T0, "a1"
        )
        new = VerificationRecord(
            "v2",
            "k1",
            "2026.2",
            "ab" * 32,
            "pass",
            {"verdict": "pass", "summary": "필수 설명 모두 이행"},
            T0 + timedelta(hours=1),
            "r1",
        )
        with new_uow() as uow:
            assert uow.verifications.latest("k1") is None
            uow.verifications.add(old)
            uow.commit()
        with new_uow() as uow:
            uow.verifications.add(new)
            with pytest.raises(AlreadyExists):
                uow.verifications.add(replace(new, verdict="fail"))
            uow.commit()
        with new_uow() as uow:
            assert uow.verifications.history("k1") == [old, new]
            assert uow.verifications.latest("k1") == new
            assert uow.verifications.history("k-none") == []

    def test_ensuring_a_rulebook_version_is_idempotent_but_never_overwrites(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        v = RulebookVersion("2026.1", "d1", "items: []", T0)
        with new_uow() as uow:
            uow.rulebooks.ensure(v)
            assert uow.rulebooks.get("2026.1") == v
            assert uow.rulebooks.get("1999.1") is None
            with pytest.raises(AlreadyExists):
                uow.rulebooks.ensure(replace(v, digest="changed", content="items: [y]"))
            uow.rulebooks.ensure(RulebookVersion("2026.3", "d3", "규칙", T0))
            uow.commit()
        with new_uow() as uow:
            assert uow.rulebooks.get("2026.3") == RulebookVersion("2026.3", "d3", "규칙", T0)

    # --- accounts, tokens, idempotency -----------------------------------------------------
    def test_accounts_and_service_tokens_round_trip(self, new_uow: NewUow) -> None:
        kim = Account("kim", Role.SELLER, "b1", "김판매")
        rec = Account("recorder", Role.ADMIN, "hq", "녹취 연동", Scope.BRANCH, active=False)
        with new_uow() as uow:
            assert uow.accounts.count() == 0
            uow.accounts.add(kim, "$argon2id$kim")
            uow.accounts.add(rec, "!")
            uow.accounts.add_service_token("recorder-1", "hash-1", rec)
            uow.commit()
        with new_uow() as uow:
            assert uow.accounts.count() == 2
            assert uow.accounts.get("kim") == (kim, "$argon2id$kim")
            assert uow.accounts.get("recorder") == (rec, "!")
            assert uow.accounts.get("nobody") is None
            assert uow.accounts.by_service_token("hash-1") == rec
            assert uow.accounts.by_service_token("hash-unknown") is None
            with pytest.raises(AlreadyExists):
                uow.accounts.add(kim, "other")
            with pytest.raises(AlreadyExists):
                uow.accounts.add_service_token("recorder-1", "hash-2", rec)
            with pytest.raises(EngineError):
                uow.accounts.add_service_token("ghost", "hash-3", Account("ghost", Role.SELLER, "b1"))

    def test_the_idempotency_store_replays_the_first_response_exactly(self, new_uow: NewUow) -> None:
        first = StoredResponse(201, b'{"id":"k1"}\x00\xff', {"location": "/api/v1/consultations/k1"}, "req-1")
        with new_uow() as uow:
            assert uow.idempotency.get("kim", "key-1") is None
            uow.idempotency.put("kim", "key-1", first)
            uow.idempotency.put("lee", "key-1", replace(first, status_code=200))
            uow.commit()
        with new_uow() as uow:
            assert uow.idempotency.get("kim", "key-1") == first
            assert uow.idempotency.get("lee", "key-1") == replace(first, status_code=200)
            with pytest.raises(AlreadyExists):
                uow.idempotency.put("kim", "key-1", replace(first, status_code=500))
            uow.commit()
        with new_uow() as uow:
            assert uow.idempotency.get("kim", "key-1") == first

    # --- transactions --------------------------------------------------------------------------
    def test_leaving_without_commit_or_rolling_back_leaves_nothing(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        with new_uow() as uow:
            uow.consultations.add(opened("k1"))
            uow.accounts.add(Account("kim", Role.SELLER, "b1"), "h")
        with new_uow() as uow:
            uow.consultations.add(opened("k2"))
            uow.rollback()
            uow.idempotency.put("kim", "key", StoredResponse(200, b""))
            uow.commit()
        with new_uow() as uow:
            assert uow.consultations.get("k1") is None and uow.consultations.get("k2") is None
            assert uow.accounts.count() == 0
            assert uow.idempotency.get("kim", "key") is not None

    def test_an_exception_in_the_block_rolls_back(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        with pytest.raises(RuntimeError), new_uow() as uow:
            uow.consultations.add(opened("k1"))
            raise RuntimeError("boom")
        with new_uow() as uow:
            assert uow.consultations.get("k1") is None

    def test_uncommitted_changes_are_invisible_to_another_unit(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        with new_uow() as writer:
            writer.consultations.add(opened("k1"))
            with new_uow() as reader:
                assert reader.consultations.get("k1") is None
            writer.commit()
        assert get(new_uow, "k1").id == "k1"

    def test_objects_handed_out_are_copies(self, new_uow: NewUow) -> None:
        seed_catalogue(new_uow)
        add(new_uow, opened("k1"))
        with new_uow() as uow:
            c = uow.consultations.get("k1")
            assert c is not None
            c.start_recording(T0, "a1")
            assert uow.consultations.get("k1") != c
            uow.commit()
        assert get(new_uow, "k1").status is Status.CREATED


def test_the_db_package_exports_exactly_its_documented_names() -> None:
    import wanjeon.adapters.db as db

    assert db.__all__ == sorted(db.__all__)
    assert all(getattr(db, name) is not None for name in db.__all__)
    with pytest.raises(AttributeError):
        _ = db.NotAName


class TestMemoryUnitOfWork(StorageContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()

    @pytest.fixture
    def new_uow(self, store: MemoryStore) -> NewUow:
        return lambda: MemoryUnitOfWork(store)

    @pytest.fixture
    def new_reads(self, store: MemoryStore) -> NewReads:
        return lambda: MemoryUnitOfWork(store, readonly=True)

    @pytest.fixture
    def audit_log(self, store: MemoryStore) -> AuditLog:
        return store.audit

    def test_a_unit_cannot_be_entered_twice_or_used_outside_its_block(self) -> None:
        uow = MemoryUnitOfWork()
        with uow, pytest.raises(RuntimeError):
            uow.__enter__()
        with pytest.raises(RuntimeError):
            uow.commit()

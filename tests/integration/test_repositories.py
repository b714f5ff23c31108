"""The SQL unit of work and audit log, on SQLite and on PostgreSQL, against the storage contract.

Every test of ``StorageContract`` (``tests/unit/test_memory_unit_of_work.py``) runs here
on both databases, followed by what only a real database can show: migrations that yield
exactly ``tables.metadata``, parallel writers that lose nothing, and an audit chain without
gaps when threads and processes append at once.

PostgreSQL is ``postgres@127.0.0.1:5432/test``. Each test session creates its own schema
``wj_test_<random>``, points ``search_path`` at it through the URL (``options=-csearch_path=…``),
migrates it, truncates it before every test and drops it at the end; so parallel sessions
and other data in ``test`` never meet. With ``CI=true`` an unreachable server fails the
PostgreSQL tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier as BarrierType
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from unit.test_memory_unit_of_work import (
    ADMIN,
    KST,
    T0,
    NewUow,
    StorageContract,
    add,
    get,
    opened,
    seed_catalogue,
)
from wanjeon.adapters.db import (
    SqlAuditLog,
    SqlUnitOfWork,
    current,
    make_engine,
    make_session_factory,
    upgrade,
)
from wanjeon.adapters.db import tables as t
from wanjeon.adapters.db.audit import Pending, chain_pending, record
from wanjeon.adapters.db.tables import metadata
from wanjeon.audit.chain import verify_chain
from wanjeon.audit.ports import AuditLog
from wanjeon.consultation.lifecycle import EventKind
from wanjeon.consultation.ports import ConcurrentUpdate, ConsultationFilter, UnitOfWork

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessions)


def _with_schema(schema: str) -> str:
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    engine = sa.create_engine(POSTGRES, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        reason = f"PostgreSQL at {engine.url.render_as_string()} is unreachable: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests")
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def new_schema(postgres_admin: Engine) -> Iterator[Callable[[], str]]:
    """Makes empty schemas (``wj_test_<random>``) and drops them all when the session ends."""
    made: list[str] = []

    def make() -> str:
        schema = f"wj_test_{secrets.token_hex(6)}"
        with postgres_admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return schema

    yield make
    with postgres_admin.begin() as connection:
        for schema in made:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(scope="session")
def postgres_url(new_schema: Callable[[], str]) -> str:
    url = _with_schema(new_schema())
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    assert not Path(f"{path}-wal").exists(), "the template must be checkpointed to copy it alone"
    return path


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: a copy of a migrated SQLite file, or the session's truncated schema."""
    if request.param == "sqlite":
        path = tmp_path / "wanjeon.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        names = ", ".join(table.name for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE TABLE {names}")
    yield Database(request.param, url, engine, make_session_factory(engine))
    engine.dispose()


class TestSqlUnitOfWork(StorageContract):
    @pytest.fixture
    def new_uow(self, database: Database) -> NewUow:
        return database.uow

    @pytest.fixture
    def new_reads(self, database: Database) -> NewUow:
        reading = make_session_factory(database.engine, reading=True)
        return lambda: SqlUnitOfWork(reading, readonly=True)

    @pytest.fixture
    def audit_log(self, database: Database) -> AuditLog:
        return SqlAuditLog(database.engine)

    def test_a_naive_timestamp_is_refused_rather_than_guessed(self, database: Database) -> None:
        seed_catalogue(database.uow)
        with database.uow() as uow, pytest.raises(StatementError, match="timezone-aware"):
            uow.consultations.add(opened("k1", datetime(2026, 5, 1, 9)))


# --- migrations ---------------------------------------------------------------------------------
def _fresh_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return _with_schema(request.getfixturevalue("new_schema")())


#: The newest migration; a new one changes this line (and nothing else in the test).
HEAD = "0003"


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrating_an_empty_database_yields_exactly_the_metadata(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _fresh_url(backend, request, tmp_path)
    assert current(url) is None
    upgrade(url)
    upgrade(url)  # a second run (another replica starting) finds nothing to do
    assert current(url) == HEAD
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            # The comparison is not blind: a column the migrations lack is reported.
            changed = sa.MetaData()
            for table in metadata.sorted_tables:
                table.to_metadata(changed)
            changed.tables["products"].append_column(sa.Column("extra", sa.Integer()))
            assert [diff[0] for diff in compare_metadata(context, changed)] == ["add_column"]
    finally:
        engine.dispose()


# --- parallel clients ---------------------------------------------------------------------------
def _toggle_pause(database: Database, cid: str, saves: int, for_update: bool) -> tuple[int, int]:
    """Load → pause or resume → save, ``saves`` times, retrying on ConcurrentUpdate; (saves, retries)."""
    done = retries = 0
    while done < saves:
        try:
            with database.uow() as uow:
                c = uow.consultations.get(cid, for_update=for_update)
                assert c is not None
                at = datetime.now(UTC)
                if c.paused:
                    c.resume_recording(at, threading.current_thread().name)
                else:
                    c.pause_recording(at, threading.current_thread().name)
                uow.consultations.save(c)
                uow.commit()
            done += 1
        except ConcurrentUpdate:
            retries += 1
    return done, retries


def _race(threads: int, work: Callable[[], tuple[int, int]]) -> list[tuple[int, int]]:
    barrier = threading.Barrier(threads)
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=run, name=f"client-{i}") for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert len(results) == threads
    return results


@pytest.mark.parametrize("for_update", [False, True], ids=["optimistic", "for-update"])
def test_eight_parallel_clients_lose_no_event_and_count_every_save(
    database: Database, for_update: bool
) -> None:
    seed_catalogue(database.uow)
    c = opened("k1")
    c.start_recording(T0, "a1")
    add(database.uow, c)
    results = _race(8, lambda: _toggle_pause(database, "k1", 5, for_update))
    saved = get(database.uow, "k1")
    assert sum(done for done, _ in results) == 40
    assert saved.version == 40
    kinds = [e.kind for e in saved.events]
    assert kinds[:2] == [EventKind.CREATED, EventKind.RECORDING_STARTED]
    # Each save is valid only from the state the previous one left: any lost update would break the alternation.
    assert kinds[2:] == [EventKind.RECORDING_PAUSED, EventKind.RECORDING_RESUMED] * 20
    if for_update:
        assert sum(retries for _, retries in results) == 0, "a locked read must never conflict"


# --- audit log ------------------------------------------------------------------------------------
def test_audit_entries_round_trip_and_filter(database: Database) -> None:
    log = SqlAuditLog(database.engine)
    seoul_3am = datetime(2026, 5, 2, 3, 0, tzinfo=KST)
    log.append(actor="kim", action="recording.read", target="k1", detail={"range": [0, 99], "at": seoul_3am})
    log.append(actor="lee", action="report.update", target="k1", detail={"comment": "설명 보완"})
    log.append(actor="kim", action="recording.read", target="k2")
    stored = list(log.all())
    first = stored[0]
    assert (first.actor, first.target) == ("kim", "k1")
    assert first.detail == {"range": [0, 99], "at": "2026-05-01T18:00:00.000000+00:00"}
    assert verify_chain(stored).ok
    assert [e.seq for e in log.entries(actor="kim")] == [1, 3]
    assert [e.seq for e in log.entries(target="k1", action="report.update")] == [2]
    assert [e.seq for e in log.entries(after_seq=1, limit=1)] == [2]
    assert log.entries(limit=0) == []
    with pytest.raises(ValueError):
        log.entries(limit=-1)


def test_audit_appends_from_eight_threads_form_a_gap_free_chain(database: Database) -> None:
    log = SqlAuditLog(database.engine)

    def append_25() -> tuple[int, int]:
        for i in range(25):
            log.append(actor=threading.current_thread().name, action="report.read", target=f"k{i}")
        return 25, 0

    _race(8, append_25)
    chain = list(log.all())
    assert [e.seq for e in chain] == list(range(1, 201))
    assert verify_chain(chain).ok


def test_units_of_work_from_eight_threads_chain_every_audit_entry_once(database: Database) -> None:
    seed_catalogue(database.uow)

    def open_10() -> tuple[int, int]:
        name = threading.current_thread().name
        for i in range(10):
            with database.uow() as uow:
                uow.consultations.add(opened(f"{name}-{i}"))
                uow.audit.append(actor=name, action="consultation.create", target=f"consultation:{name}-{i}")
                uow.commit()
        return 10, 0

    _race(8, open_10)
    chain = list(SqlAuditLog(database.engine).all())
    assert [e.seq for e in chain] == list(range(1, 81))
    with database.uow() as uow:
        stored = {
            c.id for c in uow.consultations.list(ADMIN, ConsultationFilter(), limit=200, cursor=None).items
        }
    assert {e.target.removeprefix("consultation:") for e in chain} == stored
    assert verify_chain(chain).ok


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)  # SQLite chains while it writes
def test_entries_left_waiting_by_a_writer_that_died_are_chained_by_the_next_reader(
    database: Database,
) -> None:
    """PostgreSQL chains after the commit; a process killed in between leaves its entries in
    ``audit_pending``, committed. The next append or read of the log chains them."""
    at = datetime(2026, 5, 1, 9, tzinfo=UTC)
    with database.engine.begin() as connection:
        assert record(connection, [Pending.of(at, "kim", "report.read", f"k{i}", None) for i in range(3)])
    log = SqlAuditLog(database.engine)
    log.append(actor="lee", action="report.read", target="k3")
    assert [e.target for e in log.all()] == ["k0", "k1", "k2", "k3"]
    assert chain_pending(database.engine, wait=True) == 0
    with database.engine.begin() as connection:
        assert record(connection, [Pending.of(at, "kim", "report.read", "k4", None)])
    assert [e.target for e in log.entries(after_seq=4)] == ["k4"]
    assert verify_chain(log.all()).ok


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_an_entry_committed_while_another_holds_the_chain_is_chained_before_that_holder_returns(
    database: Database,
) -> None:
    """The lost wake-up: holder H has found nothing waiting but not yet let go of the lock
    when writer W commits an entry and W's try for the lock fails. H must look again after
    letting go, or W's entry waits, unchained, for whoever comes next."""
    at = datetime(2026, 5, 1, 9, tzinfo=UTC)
    writer = make_engine(database.url)
    fired: list[int] = []

    def meanwhile_a_writer_commits(_c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if fired or "FROM audit_pending" not in statement or "ORDER BY" not in statement:
            return
        fired.append(1)  # H has just read an empty queue and still holds the lock
        with writer.begin() as connection:
            assert record(connection, [Pending.of(at, "kim", "report.read", "k1", None)])
        assert chain_pending(writer, wait=False) == 0  # the lock is H's: W leaves it to H

    sa.event.listen(database.engine, "after_cursor_execute", meanwhile_a_writer_commits)
    try:
        assert chain_pending(database.engine, wait=False) == 1
    finally:
        sa.event.remove(database.engine, "after_cursor_execute", meanwhile_a_writer_commits)
        writer.dispose()
    assert fired == [1]
    with database.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(t.audit_pending)) == 0
    assert [e.target for e in SqlAuditLog(database.engine).all()] == ["k1"]


def _append_from_process(url: str, name: str, count: int, start: BarrierType) -> None:
    engine = make_engine(url)
    try:
        log = SqlAuditLog(engine)
        start.wait(timeout=60)  # all appenders begin together, so they really contend
        for i in range(count):
            log.append(actor=name, action="transcript.read", target=f"k{i}")
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_audit_appends_from_two_processes_form_a_gap_free_chain(database: Database) -> None:
    spawn = multiprocessing.get_context("spawn")  # no fork: never copy a live connection pool
    start = spawn.Barrier(3)
    processes = [
        spawn.Process(target=_append_from_process, args=(database.url, f"proc-{i}", 40, start))
        for i in range(2)
    ]
    for process in processes:
        process.start()
    _append_from_process(database.url, "parent", 40, start)
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    chain = list(SqlAuditLog(database.engine).all())
    assert [e.seq for e in chain] == list(range(1, 121))
    assert {e.actor for e in chain} == {"proc-0", "proc-1", "parent"}
    assert verify_chain(chain).ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_at_the_first_schema_upgrades_in_place_keeping_its_rows(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _fresh_url(backend, request, tmp_path)
    upgrade(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO rulebook_versions (version, digest, content, created_at) "
                    "VALUES ('2026.11', 'd', 'c', :at)"
                ),
                {"at": "2026-11-25T00:00:00.000000+00:00"},
            )
    finally:
        engine.dispose()
    upgrade(url)
    assert current(url) == HEAD
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM rulebook_versions")).scalar() == 1
    finally:
        engine.dispose()

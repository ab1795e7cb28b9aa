"""The history's schema on SQLite and PostgreSQL: its version, indexes and engines, and a first
start by many threads and many processes at once on an empty database."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from lipsync_core.schema import SCHEMA_VERSION, make_engine, schema_version
from lipsync_core.store import JobStore

WORKERS = 8
ROUNDS = 10
READY_TIMEOUT_S = 120.0
SUCCESS = f"version {SCHEMA_VERSION}"


def applied_migrations(url: str) -> list[tuple[int, str]]:
    """The rows of ``schema_version``: one per migration applied."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            columns = (schema_version.c.version, schema_version.c.description)
            rows = connection.execute(sa.select(*columns).order_by(schema_version.c.version))
            return [(int(version), str(description)) for version, description in rows]
    finally:
        engine.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[JobStore]:
    """A store over an empty database (SQLite, then PostgreSQL)."""
    store = JobStore(database_url)
    yield store
    store.close()


def test_a_new_database_records_its_schema_version(store: JobStore, database_url: str) -> None:
    """Opening an empty database applies every migration and records the version reached."""
    assert store.schema_version() == SCHEMA_VERSION
    assert applied_migrations(database_url) == [(1, "jobs and comparison groups")]


def test_opening_again_applies_no_migration_twice(store: JobStore, database_url: str) -> None:
    """A second process opening the same database finds the schema current and keeps the data."""
    store.insert_group("g1")
    again = JobStore(database_url)
    try:
        assert again.schema_version() == SCHEMA_VERSION
        assert again.get_group("g1") is not None
    finally:
        again.close()
    assert applied_migrations(database_url) == [(1, "jobs and comparison groups")]


@pytest.mark.parametrize("database", ["sqlite"])
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store: JobStore) -> None:
    """Pages read while the refresher writes: WAL journal, and a lock is waited out (SQLite's own
    pragmas; PostgreSQL needs neither)."""
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_the_jobs_table_has_the_indexes_the_pages_use(store: JobStore) -> None:
    """State, provider, creation time and group are indexed; the idempotency key is unique."""
    indexes = {ix["name"]: ix for ix in sa.inspect(store.engine).get_indexes("jobs")}
    assert indexes["ix_jobs_state_created_at"]["column_names"] == ["state", "created_at"]
    assert indexes["ix_jobs_provider_created_at"]["column_names"] == ["provider", "created_at"]
    assert indexes["ix_jobs_created_at"]["column_names"] == ["created_at"]
    assert indexes["ix_jobs_group_id"]["column_names"] == ["group_id"]
    assert indexes["ix_jobs_idempotency_key"]["unique"]


@pytest.mark.parametrize("database", ["postgresql"])
def test_a_postgresql_url_without_a_driver_uses_psycopg(database_url: str) -> None:
    """``postgresql://…`` (no driver named) opens with psycopg 3, the driver the project ships."""
    bare = database_url.replace("postgresql+psycopg://", "postgresql://")
    store = JobStore(bare)
    try:
        assert store.engine.dialect.driver == "psycopg"
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()


def first_start(url: str) -> str:
    """Open a store on ``url`` as a dashboard or worker starting up does: ``"version N"``, or
    the error's type and text."""
    try:
        store = JobStore(url)
        try:
            return f"version {store.schema_version()}"
        finally:
            store.close()
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"


def first_starts_in_turn(urls: list[str], barrier: Any, outcomes: Any) -> None:
    """One worker's part: for each URL in turn, wait until every worker is ready, then open it."""
    for url in urls:
        barrier.wait(timeout=READY_TIMEOUT_S)
        outcomes.put(first_start(url))


def in_processes(urls: list[str]) -> list[str]:
    """``WORKERS`` new Python processes (spawned, as separate dashboards are) open each URL."""
    context = multiprocessing.get_context("spawn")
    barrier, outcomes = context.Barrier(WORKERS), context.Queue()
    processes = [
        context.Process(target=first_starts_in_turn, args=(urls, barrier, outcomes), daemon=True)
        for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    try:
        return collect(outcomes, WORKERS * len(urls), lambda: any(p.is_alive() for p in processes))
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


def in_threads(urls: list[str]) -> list[str]:
    """``WORKERS`` threads of this process, each with its own store, open each URL."""
    barrier, outcomes = threading.Barrier(WORKERS), queue.SimpleQueue[str]()
    threads = [
        threading.Thread(target=first_starts_in_turn, args=(urls, barrier, outcomes), daemon=True)
        for _ in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    return collect(outcomes, WORKERS * len(urls), lambda: any(t.is_alive() for t in threads))


def collect(outcomes: Any, expected: int, running: Callable[[], bool]) -> list[str]:
    """The workers' outcomes as they come, until all are in, or none came for ``READY_TIMEOUT_S``,
    or none is left after every worker ended."""
    found: list[str] = []
    last, ended = time.monotonic(), False
    while len(found) < expected:
        try:
            found.append(outcomes.get(timeout=1))
            last = time.monotonic()
        except queue.Empty:
            if ended or time.monotonic() - last > READY_TIMEOUT_S:
                break
            ended = not running()
    return found


@pytest.mark.parametrize("start_all", [in_processes, in_threads], ids=["processes", "threads"])
def test_many_first_starts_at_once_on_an_empty_database_all_succeed(
    make_database_url: Callable[[], str], start_all: Callable[[list[str]], list[str]]
) -> None:
    """Eight processes (or threads) open one empty database at the same moment, ten times over:
    every start succeeds, and each migration is recorded once."""
    urls = [make_database_url() for _ in range(ROUNDS)]
    outcomes = start_all(urls)
    assert Counter(outcomes) == {SUCCESS: WORKERS * ROUNDS}
    for url in urls:
        assert applied_migrations(url) == [(1, "jobs and comparison groups")]

"""The history's schema on SQLite and PostgreSQL: its version, indexes and engines, and a first
start by many threads and many processes at once on an empty database."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from lipsync_core.flows.model import Cost, CostUnit, Job, JobInputs, JobState
from lipsync_core.schema import (
    REPLACED_INDEXES,
    SCHEMA_VERSION,
    STATISTICS_COLUMNS,
    comparison_groups,
    jobs,
    make_engine,
    schema_version,
)
from lipsync_core.store import JobStore
from lipsync_core.store import _row as row_of

WORKERS = 8
ROUNDS = 10
READY_TIMEOUT_S = 120.0
SUCCESS = f"version {SCHEMA_VERSION}"
MIGRATED = [
    (1, "jobs and comparison groups"),
    (2, "people, leases, statistics figures, team settings, activity, votes"),
    (3, "video length and the statistics' indexes"),
    (4, "each signed-in person's language"),
]
# Reflection lists no index on an expression (ix_jobs_offset) on SQLite, and says so.
NO_EXPRESSION_INDEX_WARNING = "ignore:Skipped unsupported reflection of expression-based index"
# The columns the tables had at version 1, to make a database as version 1 left it.
V1_COLUMNS = {
    "jobs": [
        "id",
        "provider",
        "model",
        "provider_job_id",
        "group_id",
        "state",
        "stage",
        "sandbox",
        "idempotency_key",
        "created_at",
        "updated_at",
        "finished_at",
        "next_poll_at",
        "download_state",
        "version",
        "data",
    ],
    "comparison_groups": ["id", "created_at", "favourite_job_id", "idempotency_key"],
}


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
    assert applied_migrations(database_url) == MIGRATED


def test_opening_again_applies_no_migration_twice(store: JobStore, database_url: str) -> None:
    """A second process opening the same database finds the schema current and keeps the data."""
    store.insert_group("g1")
    again = JobStore(database_url)
    try:
        assert again.schema_version() == SCHEMA_VERSION
        assert again.get_group("g1") is not None
    finally:
        again.close()
    assert applied_migrations(database_url) == MIGRATED


@pytest.mark.parametrize("database", ["sqlite"])
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store: JobStore) -> None:
    """Pages read while the refresher writes: WAL journal, and a lock is waited out (SQLite's own
    pragmas; PostgreSQL needs neither)."""
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


@pytest.mark.filterwarnings(NO_EXPRESSION_INDEX_WARNING)
def test_the_jobs_table_has_the_indexes_the_pages_use(store: JobStore) -> None:
    """State, provider, creation time and group are indexed; the idempotency key is unique;
    the statistics' figures and the lip-sync measure's values are indexed in the order the
    Compare page ranks them."""
    indexes = {ix["name"]: ix for ix in sa.inspect(store.engine).get_indexes("jobs")}
    assert indexes["ix_jobs_state_created_at"]["column_names"] == ["state", "created_at"]
    assert indexes["ix_jobs_provider_created_at"]["column_names"] == ["provider", "created_at"]
    assert indexes["ix_jobs_created_at"]["column_names"] == ["created_at"]
    assert indexes["ix_jobs_group_id"]["column_names"] == ["group_id"]
    assert indexes["ix_jobs_idempotency_key"]["unique"]
    assert indexes["ix_jobs_statistics"]["column_names"] == list(STATISTICS_COLUMNS)
    assert indexes["ix_jobs_confidence"]["column_names"][-2:] == ["sync_confidence", "created_at"]
    assert not set(REPLACED_INDEXES) & set(indexes)
    assert "ix_jobs_offset" in index_names(store.engine)


def index_names(engine: sa.Engine) -> set[str]:
    """The jobs table's indexes as the database lists them (expression indexes included)."""
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'",
        "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = 'jobs'",
    }[engine.dialect.name]
    with engine.connect() as connection:
        return set(connection.exec_driver_sql(query).scalars())


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
        assert applied_migrations(url) == MIGRATED


def version_one(url: str) -> None:
    """An empty database as version 1 made it: its two tables with their columns of then."""
    old_database(url, 1, V1_COLUMNS)


def version_two(url: str) -> None:
    """An empty database as version 2 made it: its tables without version 3's column, with
    version 2's index of the statistics' figures."""
    names = {"jobs": [c.name for c in jobs.columns if c.name != "video_seconds"]}
    old_database(url, 2, names)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE INDEX ix_jobs_stats ON jobs (sandbox, provider, model, created_at)"
        )
    engine.dispose()


def old_database(url: str, version: int, kept: dict[str, list[str]]) -> None:
    """Tables with the columns ``kept`` (all of a table not named), no index, and the
    migrations up to ``version`` recorded."""
    old = sa.MetaData()
    for table in (jobs, comparison_groups, schema_version):
        names = kept.get(table.name) or [c.name for c in table.columns]
        columns = [
            sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in table.columns
            if c.name in names
        ]
        sa.Table(table.name, old, *columns)
    engine = make_engine(url)
    with engine.begin() as connection:
        old.create_all(connection)
        for number, description in MIGRATED[:version]:
            connection.execute(
                schema_version.insert().values(version=number, description=description,
                                               applied_at=datetime(2026, 1, 1))
            )  # fmt: skip
    engine.dispose()


def test_a_version_one_history_gains_the_team_columns_filled_from_its_records(
    database_url: str,
) -> None:
    """Opening a history made by version 1 adds version 2's columns and tables, fills each job's
    figures from its record, and keeps the job readable."""
    version_one(database_url)
    started = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    job = Job(
        id="a" * 32, provider="ausynclab", model="prime", state=JobState.SUCCEEDED,
        inputs=JobInputs(audio_duration=4.0), created_at=started, updated_at=started,
        started_at=started, finished_at=started + timedelta(seconds=42),
        estimated_cost=Cost(amount=200.0, unit=CostUnit.CREDITS, estimated=True),
        cost_used=Cost(amount=210.0, unit=CostUnit.CREDITS),
    )  # fmt: skip
    row = {c: v for c, v in row_of(job, version=1).items() if c in V1_COLUMNS["jobs"]}
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.insert(sa.table("jobs", *[sa.column(c) for c in row])), row)
    engine.dispose()
    store = JobStore(database_url)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.get(job.id) == job.model_copy(update={"version": 1})
        with store.engine.connect() as connection:
            figures = connection.execute(
                sa.select(
                    jobs.c.turnaround_seconds, jobs.c.audio_seconds, jobs.c.estimate_amount,
                    jobs.c.used_amount, jobs.c.used_unit, jobs.c.lease_owner,
                )
            ).one()  # fmt: skip
            tables = set(sa.inspect(connection).get_table_names())
        assert tuple(figures) == (42.0, 4.0, 200.0, 210.0, "credits", None)
        assert {"activity", "team_settings", "votes"} <= tables
    finally:
        store.close()
    assert applied_migrations(database_url) == MIGRATED


@pytest.mark.filterwarnings(NO_EXPRESSION_INDEX_WARNING)
def test_a_version_two_history_gains_the_video_length_and_the_statistics_indexes(
    database_url: str,
) -> None:
    """Opening a history made by version 2 fills each job's video length from its record, adds
    the statistics' indexes and drops the one they replace; a damaged record keeps none."""
    version_two(database_url)
    kept = [c.name for c in jobs.columns if c.name != "video_seconds"]
    made = [
        Job(id=f"{n}" * 32, provider="kling", model="advanced-lip-sync",
            inputs=JobInputs(audio_duration=4.0, video_duration=video))
        for n, video in ((1, 9.5), (2, None))
    ]  # fmt: skip
    rows = [{k: v for k, v in row_of(job, version=1).items() if k in kept} for job in made]
    rows.append({**rows[0], "id": "3" * 32, "data": "{not json"})
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.insert(sa.table("jobs", *[sa.column(c) for c in kept])), rows)
    engine.dispose()
    store = JobStore(database_url)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        with store.engine.connect() as connection:
            lengths = dict(connection.execute(sa.select(jobs.c.id, jobs.c.video_seconds)).all())
        assert lengths == {"1" * 32: 9.5, "2" * 32: None, "3" * 32: None}
        names = index_names(store.engine)
        assert {"ix_jobs_statistics", "ix_jobs_confidence", "ix_jobs_offset"} <= names
        assert "ix_jobs_stats" not in names
    finally:
        store.close()
    assert applied_migrations(database_url) == MIGRATED

"""The history's schema: its tables, the engine for a database URL, and numbered migrations.

``schema_version`` holds one row per applied migration, and :data:`MIGRATIONS` lists the numbered
steps that take an empty database to the current schema. Columns hold naive UTC times (SQLite
keeps no zone).

Any number of threads and processes may open one empty database at once: each migration step
runs under the database's own lock (a transaction-scoped advisory lock on PostgreSQL, the write
lock of ``BEGIN IMMEDIATE`` on SQLite), so one of them migrates and the others find it done.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateIndex

from lipsync_core.flows.model import Job, QualityState, utc_now

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# The key of the PostgreSQL advisory lock held while migrating ("lipsync" in ASCII); advisory
# locks belong to one database, so other databases on the same server are not held up.
MIGRATION_LOCK_KEY = 0x6C697073796E63
# A person as the sign-in provider names them (an e-mail address is at most 320 characters).
PERSON = 320
# The columns the measured statistics read (lipsync_core.stats_sql), in the order of their index:
# each group's succeeded jobs come in the order of their turnaround.
STATISTICS_COLUMNS = (
    "sandbox", "provider", "model", "state", "turnaround_seconds", "created_at",
    "audio_seconds", "video_seconds", "estimate_amount", "estimate_unit", "estimate_currency",
    "used_amount", "used_unit", "used_estimated",
    "quality_state", "offset_ms", "sync_confidence", "mouth_moves",
)  # fmt: skip
MEASURE_GROUP = ("sandbox", "provider", "model", "quality_state", "state")
# Version 2's index of the figures statistics group by, replaced by version 3's.
REPLACED_INDEXES = ("ix_jobs_stats",)
metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)

comparison_groups = sa.Table(
    "comparison_groups",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("favourite_job_id", sa.String(32), nullable=True),
    sa.Column("idempotency_key", sa.String(300), nullable=True),
    sa.Column("created_by", sa.String(PERSON), nullable=True),
    sa.Column("favourite_by", sa.String(PERSON), nullable=True),
    sa.Column("favourite_at", sa.DateTime, nullable=True),
    sa.Index("ix_groups_idempotency_key", "idempotency_key", unique=True),
    sa.Index("ix_groups_created_at", "created_at"),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("provider", sa.String(20), nullable=False),
    sa.Column("model", sa.String(40), nullable=False),
    sa.Column("provider_job_id", sa.String(200), nullable=True),
    sa.Column("group_id", sa.String(32), nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("stage", sa.String(40), nullable=True),
    sa.Column("sandbox", sa.Boolean, nullable=False),
    sa.Column("idempotency_key", sa.String(300), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("next_poll_at", sa.DateTime, nullable=True),
    sa.Column("download_state", sa.String(20), nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    # -- version 2: who sent it, who is working on it, and the figures statistics group by --
    sa.Column("sent_by", sa.String(PERSON), nullable=True),
    sa.Column("lease_owner", sa.String(100), nullable=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("turnaround_seconds", sa.Float, nullable=True),
    sa.Column("audio_seconds", sa.Float, nullable=True),
    sa.Column("estimate_amount", sa.Float, nullable=True),
    sa.Column("estimate_unit", sa.String(20), nullable=True),
    sa.Column("estimate_currency", sa.String(3), nullable=True),
    sa.Column("used_amount", sa.Float, nullable=True),
    sa.Column("used_unit", sa.String(20), nullable=True),
    sa.Column("used_estimated", sa.Boolean, nullable=True),
    sa.Column("quality_state", sa.String(20), nullable=True),
    sa.Column("offset_ms", sa.Float, nullable=True),
    sa.Column("sync_confidence", sa.Float, nullable=True),
    sa.Column("mouth_moves", sa.Boolean, nullable=True),
    # -- version 3: the video's length (a Kling result keeps it), for cost per second of output --
    sa.Column("video_seconds", sa.Float, nullable=True),
    sa.Index("ix_jobs_idempotency_key", "idempotency_key", unique=True),
    sa.Index("ix_jobs_created_at", "created_at"),
    sa.Index("ix_jobs_state_created_at", "state", "created_at"),
    sa.Index("ix_jobs_provider_created_at", "provider", "created_at"),
    sa.Index("ix_jobs_group_id", "group_id"),
    sa.Index("ix_jobs_next_poll_at", "next_poll_at"),
    sa.Index("ix_jobs_provider_job_id", "provider", "provider_job_id"),
    sa.Index("ix_jobs_download_state", "download_state"),
    sa.Index("ix_jobs_sent_by_created_at", "sent_by", "created_at"),
    sa.Index("ix_jobs_quality_state", "quality_state"),
    # Version 3: every column the Compare page's statistics read, so that they are computed from
    # this index alone, never from the table's rows (each holds a whole job's record); it
    # replaces version 2's ix_jobs_stats, its first columns.
    sa.Index("ix_jobs_statistics", *STATISTICS_COLUMNS),
    # Each group's measured results in the order of the measure's confidence.
    sa.Index("ix_jobs_confidence", *MEASURE_GROUP, "sync_confidence", "created_at"),
)
# Each group's measured results in the order of how far the lips are off, either way (the
# offset itself too, so that SQLite reads the index alone).
sa.Index(
    "ix_jobs_offset",
    *(jobs.c[name] for name in MEASURE_GROUP),
    sa.func.abs(jobs.c.offset_ms),
    jobs.c.offset_ms,
    jobs.c.created_at,
)

activity = sa.Table(
    "activity",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(PERSON), nullable=True),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(300), nullable=True),
    sa.Column("details", sa.Text, nullable=True),
    sa.Index("ix_activity_at", "at"),
)

team_settings = sa.Table(
    "team_settings",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(PERSON), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

votes = sa.Table(
    "votes",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("group_id", sa.String(32), nullable=False),
    sa.Column("left_job_id", sa.String(32), nullable=False),
    sa.Column("right_job_id", sa.String(32), nullable=False),
    sa.Column("winner", sa.String(10), nullable=False),
    sa.Column("voter", sa.String(PERSON), nullable=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Index("ix_votes_group_id", "group_id"),
    sa.Index("ix_votes_voter_group", "voter", "group_id"),
)


preferences = sa.Table(
    "preferences",
    metadata,
    sa.Column("person", sa.String(PERSON), primary_key=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_v1(connection: Connection) -> None:
    for table in (comparison_groups, jobs):
        table.create(connection, checkfirst=True)


def _team_v2(connection: Connection) -> None:
    """Who did what, leases, the figures statistics group by, team settings, activity, votes.

    A database made by version 1 gets the new columns and indexes (a new one already has them:
    version 1 creates the tables as they are now), then every job's figures are filled in from
    its record, in batches.
    """
    for table in (jobs, comparison_groups):
        _add_missing(connection, table)
    for table in (activity, team_settings, votes):
        table.create(connection, checkfirst=True)
    _backfill_figures(connection)


def _statistics_v3(connection: Connection) -> None:
    """The video's length and the statistics' indexes; the length filled in from each record."""
    for name in REPLACED_INDEXES:
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    _add_missing(connection, jobs)
    _backfill_figures(connection, only=jobs.c.video_seconds.is_(None))


def _preferences_v4(connection: Connection) -> None:
    """Each signed-in person's own choices (their language)."""
    preferences.create(connection, checkfirst=True)


def _add_missing(connection: Connection, table: sa.Table) -> None:
    """Add the columns and indexes of ``table`` that the database does not have yet (indexes
    by ``IF NOT EXISTS``: SQLite's reflection does not list an index on an expression)."""
    present = {column["name"] for column in sa.inspect(connection).get_columns(table.name)}
    for column in table.columns:
        if column.name not in present:
            kind = column.type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
    for index in table.indexes:
        connection.execute(CreateIndex(index, if_not_exists=True))


def job_figures(job: Job) -> dict[str, Any]:
    """The columns of version 2 that repeat a job's record, for queries that group and filter."""
    estimate, used = job.estimated_cost, job.cost_used
    turnaround = None
    if job.started_at is not None and job.finished_at is not None:
        turnaround = max(0.0, (job.finished_at - job.started_at).total_seconds())
    return {
        "sent_by": job.sent_by,
        "started_at": naive(job.started_at),
        "turnaround_seconds": turnaround,
        "audio_seconds": job.inputs.audio_duration,
        "video_seconds": job.inputs.video_duration,
        "estimate_amount": estimate.amount if estimate else None,
        "estimate_unit": estimate.unit.value if estimate else None,
        "estimate_currency": estimate.currency if estimate else None,
        "used_amount": used.amount if used else None,
        "used_unit": used.unit.value if used else None,
        "used_estimated": used.estimated if used else None,
        **quality_figures(job),
    }


def quality_figures(job: Job) -> dict[str, Any]:
    """The lip-sync measure's state and, once measured, its figures (``None`` otherwise, so a
    result that could not be measured never counts as one whose mouth does not move)."""
    state = job.quality_state
    report = job.quality.report if job.quality is not None else None
    measured = state is QualityState.MEASURED and report is not None
    return {
        "quality_state": state.value if state is not None else None,
        "offset_ms": report.get("offset_ms") if measured else None,
        "sync_confidence": report.get("confidence") if measured else None,
        "mouth_moves": bool(report.get("mouth_moves")) if measured else None,
    }


def _backfill_figures(
    connection: Connection, *, only: sa.ColumnElement[bool] | None = None, batch: int = 500
) -> None:
    """Fill the figures of every job (``only`` those matching it) from its record; a damaged
    record keeps none."""
    last = ""
    while True:
        chosen = sa.select(jobs.c.id, jobs.c.data).where(jobs.c.id > last)
        if only is not None:
            chosen = chosen.where(only)
        rows = connection.execute(chosen.order_by(jobs.c.id).limit(batch)).all()
        if not rows:
            return
        for job_id, data in rows:
            try:
                job = Job.model_validate_json(data)
            except ValueError:
                continue
            connection.execute(jobs.update().where(jobs.c.id == job_id).values(job_figures(job)))
        last = rows[-1][0]


def naive(moment: datetime | None) -> datetime | None:
    """Columns hold naive UTC (SQLite keeps no zone); the JSON keeps the aware value."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "jobs and comparison groups", _create_v1),
    Migration(2, "people, leases, statistics figures, team settings, activity, votes", _team_v2),
    Migration(3, "video length and the statistics' indexes", _statistics_v3),
    Migration(4, "each signed-in person's language", _preferences_v4),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a bare ``postgresql://`` URL uses psycopg 3, the driver we ship."""
    parsed = sa.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("sqlite"):
        return sa.create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the pages read while the refresher writes; busy_timeout waits out a lock."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Switch the file to WAL, again while another connection is switching a new file at the
    same moment: SQLite then answers "database is locked" at once, without the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(0.02)


def current_version(connection: Connection) -> int:
    if not sa.inspect(connection).has_table(schema_version.name):
        return 0
    value = connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(value or 0)


def migrate(engine: Engine) -> int:
    """Apply every migration newer than the database's version, each in its own transaction
    holding the database's migration lock; returns the version reached."""
    with engine.connect() as connection:
        found = current_version(connection)
    if found >= SCHEMA_VERSION:
        return found
    for migration in MIGRATIONS:
        with migration_lock(engine) as connection:
            schema_version.create(connection, checkfirst=True)
            if current_version(connection) >= migration.version:
                continue
            migration.apply(connection)
            connection.execute(
                schema_version.insert().values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=utc_now().replace(tzinfo=None),
                )
            )
            logger.info("job history schema migrated to version %s", migration.version)
    with engine.connect() as connection:
        return current_version(connection)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A transaction that no other migrating thread or process runs beside: it waits for theirs
    to commit, and then sees what they did. Other databases get a plain transaction."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
            yield connection
        return
    # sqlite3 would neither begin a transaction before DDL nor take the write lock up front:
    # with the driver's own transaction handling off, BEGIN IMMEDIATE does both (the busy
    # timeout waits out another process's migration).
    with engine.connect() as plain:
        connection = plain.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")

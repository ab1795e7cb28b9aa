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
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lipsync_core.flows.model import utc_now

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# The key of the PostgreSQL advisory lock held while migrating ("lipsync" in ASCII); advisory
# locks belong to one database, so other databases on the same server are not held up.
MIGRATION_LOCK_KEY = 0x6C697073796E63
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
    sa.Index("ix_jobs_idempotency_key", "idempotency_key", unique=True),
    sa.Index("ix_jobs_created_at", "created_at"),
    sa.Index("ix_jobs_state_created_at", "state", "created_at"),
    sa.Index("ix_jobs_provider_created_at", "provider", "created_at"),
    sa.Index("ix_jobs_group_id", "group_id"),
    sa.Index("ix_jobs_next_poll_at", "next_poll_at"),
    sa.Index("ix_jobs_provider_job_id", "provider", "provider_job_id"),
    sa.Index("ix_jobs_download_state", "download_state"),
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_v1(connection: Connection) -> None:
    for table in (comparison_groups, jobs):
        table.create(connection, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "jobs and comparison groups", _create_v1),)
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

"""Job history persistence: SQLAlchemy 2 Core over SQLite by default, any SQLAlchemy URL.

Each job is one row: the whole :class:`~lipsync_core.flows.model.Job` as JSON in ``data``, plus
the columns the pages filter, sort and poll by (indexed). Writes are optimistic: every update
names the row's ``version`` and bumps it, so two threads or processes never overwrite each
other's changes silently. The idempotency key is a unique index, so a double submit loses the
insert race in the database instead of passing a check-then-insert.

A row that cannot be read (its JSON is corrupt, or a value in it fails validation) never makes
the history unreadable: it is read as one :class:`DamagedJob` built from its columns, which says
so on its card and can be removed; the work queues (due checks, running jobs, downloads) skip
it, and no change is ever saved over it.

The tables and their migrations are in :mod:`lipsync_core.schema`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from lipsync_core.config import Settings
from lipsync_core.flows.model import (
    FINAL_STATES,
    WORKING_STATES,
    DownloadState,
    Job,
    JobState,
    QualityState,
    utc_now,
)
from lipsync_core.i18n import N_
from lipsync_core.schema import (
    comparison_groups,
    current_version,
    job_figures,
    jobs,
    make_engine,
    migrate,
    naive,
)

logger = logging.getLogger(__name__)

UPDATE_ATTEMPTS = 10
DAMAGED_TEXT = N_(
    "This job's record in the history is damaged, so it can no longer be shown or followed. "
    "Remove it from the history; the other jobs are not affected."
)


class DamagedJob(Job):
    """A history row that could not be read: what its columns still say, and that it is damaged.

    It is final (``failed``, with :data:`DAMAGED_TEXT` as its error), so nothing polls it; the
    store never saves a change over it, and removing it deletes the row.
    """

    @property
    def is_damaged(self) -> bool:
        return True


@dataclass(frozen=True)
class JobFilter:
    """What the history page narrows the list to; ``None`` means any."""

    providers: Sequence[str] | None = None
    states: Sequence[JobState] | None = None
    since: datetime | None = None
    until: datetime | None = None
    group_id: str | None = None
    sent_by: str | None = None  # only the jobs this person sent


@dataclass(frozen=True)
class ComparisonGroup:
    """The same input sent to several providers; the user may mark one job as the favourite."""

    id: str
    created_at: datetime
    favourite_job_id: str | None = None
    idempotency_key: str | None = None
    created_by: str | None = None
    favourite_by: str | None = None
    favourite_at: datetime | None = None


class JobStore:
    """The job history: thread-safe (one engine, a connection per call), any SQLAlchemy URL."""

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        migrate(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> JobStore:
        return cls(settings.database_url)

    def __repr__(self) -> str:
        return f"JobStore({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        self.engine.dispose()

    def schema_version(self) -> int:
        with self.engine.connect() as connection:
            return current_version(connection)

    def insert(self, job: Job) -> tuple[Job, bool]:
        """Insert a new job; with a key already used, the existing job and ``False`` instead."""
        try:
            with self.engine.begin() as connection:
                connection.execute(jobs.insert().values(**_row(job, version=1)))
        except IntegrityError:
            existing = (
                self.get_by_idempotency_key(job.idempotency_key) if job.idempotency_key else None
            )
            if existing is None:
                raise
            return existing, False
        return job.model_copy(update={"version": 1}), True

    def insert_many(self, new_jobs: Iterable[Job]) -> int:
        """Insert many new jobs in one transaction (imports, benchmarks); all or none."""
        rows = [_row(job, version=1) for job in new_jobs]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(jobs.insert(), rows)
        return len(rows)

    def update(self, job: Job) -> Job | None:
        """Save ``job`` if nobody changed it since it was read (same ``version``), else ``None``."""
        values = _row(job, version=job.version + 1)
        del values["id"]
        statement = (
            jobs.update().where(jobs.c.id == job.id, jobs.c.version == job.version).values(**values)
        )
        with self.engine.begin() as connection:
            if connection.execute(statement).rowcount != 1:
                return None
        return job.model_copy(update={"version": job.version + 1})

    def change(
        self, job_id: str, change: Callable[..., bool | None], *args: Any
    ) -> tuple[Job | None, bool]:
        """Re-read the job, apply ``change(job, *args)`` and save it, again if another writer got
        there first.

        Returns the job and whether this call saved a change: ``(saved, True)``; ``(job, False)``
        if ``change`` declined (returned ``False``); ``(None, False)`` if the job is gone.
        """
        for _ in range(UPDATE_ATTEMPTS):
            job = self.get(job_id)
            if job is None:
                return None, False
            if isinstance(job, DamagedJob) or change(job, *args) is False:
                return job, False
            saved = self.update(job)
            if saved is not None:
                return saved, True
        raise RuntimeError(f"job {job_id} kept changing under {UPDATE_ATTEMPTS} updates")

    def delete(self, job_id: str) -> bool:
        with self.engine.begin() as connection:
            connection.execute(
                comparison_groups.update()
                .where(comparison_groups.c.favourite_job_id == job_id)
                .values(favourite_job_id=None)
            )
            return connection.execute(jobs.delete().where(jobs.c.id == job_id)).rowcount == 1

    def get(self, job_id: str) -> Job | None:
        found = self._select(sa.select(jobs).where(jobs.c.id == job_id))
        return found[0] if found else None

    def get_many(self, job_ids: Iterable[str]) -> list[Job]:
        ids = list(job_ids)
        if not ids:
            return []
        return self._select(
            sa.select(jobs)
            .where(jobs.c.id.in_(ids))
            .order_by(jobs.c.created_at.desc(), jobs.c.id.desc())
        )

    def get_by_idempotency_key(self, key: str) -> Job | None:
        found = self._select(sa.select(jobs).where(jobs.c.idempotency_key == key))
        return found[0] if found else None

    def find_by_provider_job_id(self, provider: str, provider_job_id: str) -> Job | None:
        found = self._select(
            sa.select(jobs)
            .where(jobs.c.provider == provider, jobs.c.provider_job_id == provider_job_id)
            .order_by(jobs.c.created_at.desc())
            .limit(1)
        )
        return found[0] if found else None

    def due(self, now: datetime, *, exclude: Iterable[str] = ()) -> list[Job]:
        """Unfinished jobs whose next check is at or before ``now``, oldest due first."""
        statement = (
            sa.select(jobs)
            .where(
                jobs.c.next_poll_at.is_not(None),
                jobs.c.next_poll_at <= naive(now),
                jobs.c.state.not_in([s.value for s in FINAL_STATES]),
            )
            .order_by(jobs.c.next_poll_at)
        )
        excluded = set(exclude)
        return [job for job in self._select(statement, damaged=False) if job.id not in excluded]

    def claim_due(self, now: datetime, owner: str, *, lease: float) -> list[Job]:
        """Lease every unfinished job due at ``now`` that no process holds, for ``lease`` s.

        One statement decides: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
        RETURNING`` on PostgreSQL; on SQLite the same ``UPDATE … RETURNING`` holds the write lock
        from its start. So of several processes asking at once, each due job goes to exactly one,
        and a process that dies holding a lease simply lets it run out.
        """
        due = sa.and_(
            jobs.c.next_poll_at.is_not(None),
            jobs.c.next_poll_at <= naive(now),
            jobs.c.state.not_in([s.value for s in FINAL_STATES]),
        )
        return self._claim(due, now, owner, lease, order=jobs.c.next_poll_at)

    def claim_downloads(self, now: datetime, owner: str, *, lease: float, limit: int) -> list[Job]:
        """Lease up to ``limit`` succeeded jobs whose result is still to be copied."""
        pending = jobs.c.download_state == DownloadState.PENDING.value
        return self._claim(pending, now, owner, lease, order=jobs.c.finished_at, limit=limit)

    def claim_quality(self, now: datetime, owner: str, *, lease: float, limit: int) -> list[Job]:
        """Lease up to ``limit`` jobs whose result's lip sync is still to be measured."""
        pending = jobs.c.quality_state == QualityState.PENDING.value
        return self._claim(pending, now, owner, lease, order=jobs.c.finished_at, limit=limit)

    def lease(self, job_id: str, owner: str, now: datetime, seconds: float) -> bool:
        """Hold one job for ``seconds`` (while this process calls its provider), if it is free
        at ``now`` or already this owner's."""
        until = now + timedelta(seconds=seconds)
        statement = (
            jobs.update()
            .where(jobs.c.id == job_id, _free(now, owner))
            .values(lease_owner=owner, lease_until=naive(until))
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount == 1

    def release(self, job_ids: Iterable[str], owner: str) -> None:
        """Let go of the jobs this owner holds, so any process may take their next step."""
        ids = list(job_ids)
        if not ids:
            return
        statement = (
            jobs.update()
            .where(jobs.c.id.in_(ids), jobs.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )
        with self.engine.begin() as connection:
            connection.execute(statement)

    def _claim(
        self,
        condition: Any,
        now: datetime,
        owner: str,
        lease: float,
        *,
        order: Any,
        limit: int | None = None,
    ) -> list[Job]:
        free = sa.or_(jobs.c.lease_until.is_(None), jobs.c.lease_until <= naive(now))
        candidates = sa.select(jobs.c.id).where(condition, free).order_by(order)
        if limit is not None:
            candidates = candidates.limit(limit)
        if self.engine.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        until = naive(now + timedelta(seconds=lease))
        statement = (
            jobs.update()
            .where(jobs.c.id.in_(candidates.scalar_subquery()))
            .values(lease_owner=owner, lease_until=until)
            .returning(*jobs.c)
        )
        with self.engine.begin() as connection:
            rows = connection.execute(statement).mappings().all()
        read = sorted((_read(row) for row in rows), key=lambda job: job.next_poll_at or now)
        return [job for job in read if not isinstance(job, DamagedJob)]

    def registration_of(
        self, source: str | None, *, sandbox: bool, recent: int = 200
    ) -> int | None:
        """The AusyncLab registration an earlier Prime job made of this video (its link or its
        uploaded file), if one got past registering; looked for among the ``recent`` newest."""
        if not source:
            return None
        statement = (
            sa.select(jobs)
            .where(
                jobs.c.provider == "ausynclab",
                jobs.c.model == "prime",
                jobs.c.sandbox == sandbox,
                jobs.c.provider_job_id.is_not(None),
            )
            .order_by(jobs.c.created_at.desc())
            .limit(recent)
        )
        for job in self._select(statement, damaged=False):
            made = job.inputs.video_url or job.inputs.video_path
            if made == source and job.registered_video_id is not None:
                return job.registered_video_id
        return None

    def active(
        self, provider: str | None = None, *, free_for: tuple[str, datetime] | None = None
    ) -> list[Job]:
        """Every unfinished job (queued, running or waiting for input), oldest first; with
        ``free_for=(owner, now)``, only those no other process holds at ``now``."""
        statement = sa.select(jobs).where(jobs.c.state.not_in([s.value for s in FINAL_STATES]))
        if provider is not None:
            statement = statement.where(jobs.c.provider == provider)
        if free_for is not None:
            statement = statement.where(_free(free_for[1], free_for[0]))
        return self._select(statement.order_by(jobs.c.created_at), damaged=False)

    def has_working(self) -> bool:
        """Whether some job may still change on its own (queued or running)."""
        statement = (
            sa.select(jobs.c.id).where(jobs.c.state.in_([s.value for s in WORKING_STATES])).limit(1)
        )
        with self.engine.connect() as connection:
            return connection.execute(statement).first() is not None

    def pending_downloads(self, limit: int = 10) -> list[Job]:
        return self._select(
            sa.select(jobs)
            .where(jobs.c.download_state == DownloadState.PENDING.value)
            .order_by(jobs.c.finished_at)
            .limit(limit),
            damaged=False,
        )

    def list_jobs(
        self,
        filters: JobFilter | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        damaged: bool = True,
    ) -> list[Job]:
        """One page of the history, newest first; ``damaged=False`` leaves out damaged rows."""
        statement = _filtered(sa.select(jobs), filters or JobFilter())
        statement = (
            statement.order_by(jobs.c.created_at.desc(), jobs.c.id.desc())
            .limit(max(0, limit))
            .offset(max(0, offset))
        )
        return self._select(statement, damaged=damaged)

    def count(self, filters: JobFilter | None = None) -> int:
        statement = _filtered(sa.select(sa.func.count()).select_from(jobs), filters or JobFilter())
        with self.engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def count_by_state(self, filters: JobFilter | None = None) -> dict[JobState, int]:
        """How many jobs match in each state (every state present, zero if none).

        A row whose state column holds no known state counts as failed, as its card shows it.
        """
        statement = _filtered(
            sa.select(jobs.c.state, sa.func.count()).select_from(jobs), filters or JobFilter()
        ).group_by(jobs.c.state)
        counts = dict.fromkeys(JobState, 0)
        with self.engine.connect() as connection:
            for state, number in connection.execute(statement):
                known = state in JobState._value2member_map_
                counts[JobState(state) if known else JobState.FAILED] += int(number)
        return counts

    def insert_group(
        self,
        group_id: str,
        *,
        idempotency_key: str | None = None,
        created_at: datetime | None = None,
        created_by: str | None = None,
    ) -> ComparisonGroup:
        """Create a comparison group; with a key already used, the existing group instead."""
        row = {
            "id": group_id,
            "created_at": naive(created_at or utc_now()),
            "favourite_job_id": None,
            "idempotency_key": idempotency_key,
            "created_by": created_by,
            "favourite_by": None,
            "favourite_at": None,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(comparison_groups.insert().values(**row))
        except IntegrityError:
            existing = self._group_where(comparison_groups.c.idempotency_key == idempotency_key)
            if idempotency_key is None or existing is None:
                raise
            return existing
        return _group(row)

    def get_group(self, group_id: str) -> ComparisonGroup | None:
        return self._group_where(comparison_groups.c.id == group_id)

    def set_favourite(
        self,
        group_id: str,
        job_id: str | None,
        *,
        by: str | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Mark (or with ``None`` clear) a group's favourite, saying who did and when."""
        with self.engine.begin() as connection:
            statement = (
                comparison_groups.update()
                .where(comparison_groups.c.id == group_id)
                .values(
                    favourite_job_id=job_id, favourite_by=by, favourite_at=naive(at or utc_now())
                )
            )
            return connection.execute(statement).rowcount == 1

    def _group_where(self, condition: Any) -> ComparisonGroup | None:
        with self.engine.connect() as connection:
            row = (
                connection.execute(sa.select(comparison_groups).where(condition)).mappings().first()
            )
        return _group(dict(row)) if row else None

    def _select(self, statement: Any, *, damaged: bool = True) -> list[Job]:
        """The jobs of ``statement``'s rows; a row that cannot be read is a :class:`DamagedJob`
        (left out with ``damaged=False``)."""
        with self.engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        read = [_read(row) for row in rows]
        return read if damaged else [job for job in read if not isinstance(job, DamagedJob)]


def _free(now: datetime, owner: str) -> Any:
    """No process holds the job (its lease ran out), or ``owner`` does."""
    return sa.or_(
        jobs.c.lease_until.is_(None), jobs.c.lease_until <= naive(now), jobs.c.lease_owner == owner
    )


def _read(row: RowMapping) -> Job:
    """The job a row holds, or a :class:`DamagedJob` if its JSON cannot be read as a job."""
    try:
        job = Job.model_validate_json(row["data"])
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        return _damaged(row, type(exc).__name__)
    if job.id != row["id"]:
        return _damaged(row, "the id in its record is another job's")
    return job.model_copy(update={"version": row["version"]})


_reported_damaged: set[str] = set()


def _damaged(row: RowMapping, reason: str) -> DamagedJob:
    job_id = str(row["id"])
    if job_id not in _reported_damaged:
        _reported_damaged.add(job_id)
        logger.warning("job %s: its record in the history cannot be read (%s)", job_id, reason)
    return DamagedJob(
        id=job_id,
        provider=str(row["provider"]),
        model=str(row["model"]),
        provider_job_id=row["provider_job_id"],
        group_id=row["group_id"],
        sent_by=row["sent_by"],
        state=JobState.FAILED,
        stage=None,
        sandbox=bool(row["sandbox"]),
        error=DAMAGED_TEXT,
        created_at=row["created_at"].replace(tzinfo=UTC),
        updated_at=row["updated_at"].replace(tzinfo=UTC),
        finished_at=row["finished_at"].replace(tzinfo=UTC) if row["finished_at"] else None,
        version=int(row["version"]),
    )


def _filtered(statement: Any, filters: JobFilter) -> Any:
    if filters.providers:
        statement = statement.where(jobs.c.provider.in_(list(filters.providers)))
    if filters.states:
        statement = statement.where(jobs.c.state.in_([JobState(s).value for s in filters.states]))
    if filters.since is not None:
        statement = statement.where(jobs.c.created_at >= naive(filters.since))
    if filters.until is not None:
        statement = statement.where(jobs.c.created_at < naive(filters.until))
    if filters.group_id is not None:
        statement = statement.where(jobs.c.group_id == filters.group_id)
    if filters.sent_by is not None:
        statement = statement.where(jobs.c.sent_by == filters.sent_by)
    return statement


def _row(job: Job, *, version: int) -> dict[str, Any]:
    data = job.model_dump_json(exclude={"version"})
    return {
        "id": job.id,
        "provider": job.provider,
        "model": job.model,
        "provider_job_id": job.provider_job_id,
        "group_id": job.group_id,
        "state": job.state.value,
        "stage": job.stage.value if job.stage else None,
        "sandbox": job.sandbox,
        "idempotency_key": job.idempotency_key,
        "created_at": naive(job.created_at),
        "updated_at": naive(job.updated_at),
        "finished_at": naive(job.finished_at),
        "next_poll_at": naive(job.next_poll_at),
        "download_state": job.download_state.value if job.download_state else None,
        "version": version,
        "data": data,
        **job_figures(job),
    }


def _group(row: dict[str, Any]) -> ComparisonGroup:
    return ComparisonGroup(
        id=row["id"],
        created_at=row["created_at"].replace(tzinfo=UTC),
        favourite_job_id=row["favourite_job_id"],
        idempotency_key=row["idempotency_key"],
        created_by=row["created_by"],
        favourite_by=row["favourite_by"],
        favourite_at=row["favourite_at"].replace(tzinfo=UTC) if row["favourite_at"] else None,
    )


__all__ = ["DAMAGED_TEXT", "ComparisonGroup", "DamagedJob", "JobFilter", "JobStore"]

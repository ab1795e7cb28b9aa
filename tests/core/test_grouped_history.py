"""The history paged by comparison (SQLite and PostgreSQL): a page holds whole groups, never a
part of one, newest first, with filters applied inside each group."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from lipsync_core.flows.model import Job
from lipsync_core.grouped_history import count_units, list_units
from lipsync_core.store import JobFilter, JobStore
from tests.core.test_store import T0, make_job

TARGETS = [("ausynclab", "prime"), ("kling", "lipsync"), ("twinsync", "videotalking")]


@pytest.fixture
def store(database_url: str) -> Iterator[JobStore]:
    """A store over an empty database (SQLite, then PostgreSQL)."""
    store = JobStore(database_url)
    yield store
    store.close()


def comparison(store: JobStore, minute: int, size: int = 3) -> list[Job]:
    """A group of ``size`` jobs sent at ``minute`` (its jobs a second apart)."""
    group = store.insert_group(f"group-{minute:02d}").id
    jobs = [
        make_job(provider=p, model=m, group_id=group,
                 created_at=T0 + timedelta(minutes=minute, seconds=n))
        for n, (p, m) in enumerate(TARGETS[:size])
    ]  # fmt: skip
    store.insert_many(jobs)
    return jobs


def alone(store: JobStore, minute: int, provider: str = "twinsync") -> Job:
    job = make_job(provider=provider, model="x", created_at=T0 + timedelta(minutes=minute))
    store.insert_many([job])
    return job


@pytest.fixture
def mixed(store: JobStore) -> list[list[Job]]:
    """Newest first: a group of 3 (minute 5), a lone job (4), a group of 2 (3), two lone jobs
    (2, 1), a group of 3 (0): 6 units, 11 jobs."""
    return [
        comparison(store, 5), [alone(store, 4)], comparison(store, 3, size=2),
        [alone(store, 2)], [alone(store, 1)], comparison(store, 0),
    ]  # fmt: skip


def unit_ids(units: list[list[Job]]) -> list[list[str]]:
    return [sorted(job.id for job in unit) for unit in units]


@pytest.mark.parametrize("page_size", [1, 2, 4, 6])
def test_every_group_is_whole_on_exactly_one_page(
    store: JobStore, mixed: list[list[Job]], page_size: int
) -> None:
    """Pages of any size hold whole units, newest first, and together every job once."""
    seen: list[list[str]] = []
    pages = -(-count_units(store) // page_size)
    for page in range(pages):
        listed = list_units(store, limit=page_size, offset=page * page_size)
        units: dict[str, list[str]] = {}
        for job in listed:
            units.setdefault(job.group_id or job.id, []).append(job.id)
        assert len(units) <= page_size
        seen += [sorted(ids) for ids in units.values()]
    assert count_units(store) == 6
    assert seen == unit_ids(mixed)


def test_a_filter_keeps_the_matching_jobs_of_each_group_together(
    store: JobStore, mixed: list[list[Job]]
) -> None:
    """Only TwinSync: each group's TwinSync job, and the lone TwinSync jobs, as units."""
    only = JobFilter(providers=["twinsync"])
    listed = list_units(store, only, limit=10)
    assert all(job.provider == "twinsync" for job in listed)
    assert count_units(store, only) == 5 and len(listed) == 5
    assert [job.id for job in listed] == [
        job.id for unit in mixed for job in unit if job.provider == "twinsync"
    ]

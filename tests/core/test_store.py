"""The job history in a real database (SQLite and PostgreSQL): idempotency, versions, pages,
filters."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from lipsync_core.flows.model import Job, JobState, Stage
from lipsync_core.store import JobFilter, JobStore

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def make_job(**fields: object) -> Job:
    values: dict[str, object] = {
        "id": uuid.uuid4().hex,
        "provider": "ausynclab",
        "model": "prime",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(fields)
    return Job.model_validate(values)


@pytest.fixture
def store(database_url: str) -> Iterator[JobStore]:
    """A store over an empty database (SQLite, then PostgreSQL)."""
    store = JobStore(database_url)
    yield store
    store.close()


def test_a_job_comes_back_as_it_was_saved(store: JobStore) -> None:
    """Every field survives the round trip, times stay timezone-aware UTC."""
    job = make_job(provider_job_id="42", state=JobState.RUNNING, stage=Stage.GENERATING)
    saved, created = store.insert(job)
    loaded = store.get(job.id)
    assert created and loaded == saved
    assert loaded.created_at == T0 and loaded.created_at.tzinfo is not None
    assert loaded.version == 1


def test_the_same_idempotency_key_returns_the_first_job(store: JobStore) -> None:
    """The unique index decides a double submit: the second insert gets the first job back."""
    first, created = store.insert(make_job(idempotency_key="form-1:ausynclab:prime"))
    second, created_again = store.insert(make_job(idempotency_key="form-1:ausynclab:prime"))
    assert created and not created_again
    assert second.id == first.id
    assert store.count() == 1


def test_a_stale_update_is_refused(store: JobStore) -> None:
    """Two writers read version 1; the second save finds version 2 and changes nothing."""
    job, _ = store.insert(make_job())
    mine = job.model_copy(update={"note": "mine"})
    theirs = job.model_copy(update={"note": "theirs"})
    assert store.update(mine) is not None
    assert store.update(theirs) is None
    assert store.get(job.id).note == "mine"


def test_updating_a_removed_job_does_not_bring_it_back(store: JobStore) -> None:
    """A status check that ends after "remove from history" leaves the job removed."""
    job, _ = store.insert(make_job())
    assert store.delete(job.id)
    assert store.update(job) is None
    assert store.get(job.id) is None


@pytest.fixture
def history(store: JobStore) -> JobStore:
    """30 jobs, one a minute from T0: providers and states in rotation."""
    providers = ["ausynclab", "kling", "twinsync"]
    states = [
        JobState.SUCCEEDED,
        JobState.FAILED,
        JobState.RUNNING,
        JobState.SUCCEEDED,
        JobState.QUEUED,
    ]
    for minute in range(30):
        moment = T0 + timedelta(minutes=minute)
        store.insert(
            make_job(
                provider=providers[minute % 3],
                state=states[minute % 5],
                created_at=moment,
                updated_at=moment,
                title=f"job {minute}",
            )
        )
    return store


def test_pages_are_newest_first_without_overlap(history: JobStore) -> None:
    """Page 1 holds the newest ten jobs, page 3 the oldest ten."""
    first = history.list_jobs(limit=10, offset=0)
    third = history.list_jobs(limit=10, offset=20)
    assert [j.title for j in first] == [f"job {m}" for m in range(29, 19, -1)]
    assert [j.title for j in third] == [f"job {m}" for m in range(9, -1, -1)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (JobFilter(), 30),
        (JobFilter(providers=["kling"]), 10),
        (JobFilter(providers=["kling", "twinsync"]), 20),
        (JobFilter(states=[JobState.SUCCEEDED]), 12),
        (JobFilter(states=[JobState.QUEUED, JobState.RUNNING]), 12),
        (JobFilter(since=T0 + timedelta(minutes=10)), 20),
        (JobFilter(until=T0 + timedelta(minutes=10)), 10),
        (JobFilter(providers=["ausynclab"], states=[JobState.SUCCEEDED]), 4),
    ],
)
def test_filters_narrow_the_list_and_the_count(
    history: JobStore, filters: JobFilter, expected: int
) -> None:
    """Provider, state and date range filters apply to the page and to the count alike."""
    assert history.count(filters) == expected
    assert len(history.list_jobs(filters, limit=100)) == expected
    assert sum(history.count_by_state(filters).values()) == expected


def test_counts_by_state_include_every_state(history: JobStore) -> None:
    """The status page's counters: each state present, zero where none."""
    counts = history.count_by_state()
    assert counts == {
        JobState.QUEUED: 6,
        JobState.RUNNING: 6,
        JobState.SUCCEEDED: 12,
        JobState.FAILED: 6,
        JobState.NEEDS_INPUT: 0,
    }


def test_due_jobs_are_unfinished_ones_whose_check_time_has_come(store: JobStore) -> None:
    """Finished jobs and jobs checked later are left out; the earliest due comes first."""
    late = make_job(state=JobState.RUNNING, next_poll_at=T0 + timedelta(seconds=5))
    early = make_job(state=JobState.RUNNING, next_poll_at=T0 - timedelta(seconds=5))
    later = make_job(state=JobState.RUNNING, next_poll_at=T0 + timedelta(minutes=5))
    done = make_job(state=JobState.SUCCEEDED, next_poll_at=T0 - timedelta(seconds=5))
    for job in (late, early, later, done):
        store.insert(job)
    due = store.due(T0 + timedelta(seconds=10))
    assert [j.id for j in due] == [early.id, late.id]
    assert store.due(T0 + timedelta(seconds=10), exclude=[early.id]) == [due[1]]


def test_the_working_check_ignores_finished_and_waiting_jobs(store: JobStore) -> None:
    """Only queued or running jobs make the status page keep refreshing."""
    store.insert(make_job(state=JobState.SUCCEEDED))
    store.insert(make_job(state=JobState.NEEDS_INPUT))
    assert not store.has_working()
    store.insert(make_job(state=JobState.RUNNING))
    assert store.has_working()


def test_a_group_key_used_twice_gives_the_same_group(store: JobStore) -> None:
    """A comparison group submitted twice is one group."""
    first = store.insert_group("g1", idempotency_key="form-7", created_at=T0)
    second = store.insert_group("g2", idempotency_key="form-7", created_at=T0)
    assert second == first
    assert first.created_at == T0


def test_the_favourite_of_a_group_is_kept_and_cleared_with_its_job(store: JobStore) -> None:
    """The Compare page's favourite survives until its job leaves the history."""
    group = store.insert_group("g1")
    job, _ = store.insert(make_job(group_id=group.id))
    assert store.set_favourite(group.id, job.id)
    assert store.get_group(group.id).favourite_job_id == job.id
    store.delete(job.id)
    assert store.get_group(group.id).favourite_job_id is None


def test_each_due_job_is_leased_by_one_claimer_however_many_ask_at_once(
    database_url: str,
) -> None:
    """Eight threads, each with its own store, claim due jobs at the same moment: every due job
    goes to exactly one of them, and a job is free again once released or when its lease ends."""
    setup = JobStore(database_url)
    due = [setup.insert(make_job(next_poll_at=T0 - timedelta(seconds=i)))[0] for i in range(40)]
    stores = [JobStore(database_url) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    claimed: dict[str, list[str]] = {}

    def claim(index: int) -> None:
        barrier.wait()
        owner = f"owner-{index}"
        claimed[owner] = [job.id for job in stores[index].claim_due(T0, owner, lease=60)]

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [job_id for ids in claimed.values() for job_id in ids]
    assert sorted(everything) == sorted(job.id for job in due)
    assert setup.claim_due(T0, "late", lease=60) == []
    first_owner, first_ids = next((o, ids) for o, ids in claimed.items() if ids)
    setup.release(first_ids, first_owner)
    assert sorted(j.id for j in setup.claim_due(T0, "late", lease=60)) == sorted(first_ids)
    later = T0 + timedelta(seconds=61)
    assert len(setup.claim_due(later, "after", lease=60)) == len(due)
    for store in [setup, *stores]:
        store.close()

"""Expected turnaround from the history: similar jobs' median, the sandbox's set time, or none."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from lipsync_core.expectations import expected
from lipsync_core.flows.model import Job, JobInputs, JobState
from lipsync_core.store import JobStore

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[JobStore]:
    store = JobStore(database_url)
    yield store
    store.close()


def finished(store: JobStore, seconds: float, audio: float, **fields: object) -> None:
    values = {
        "id": uuid.uuid4().hex, "provider": "kling", "model": "advanced-lip-sync",
        "state": JobState.SUCCEEDED, "inputs": JobInputs(audio_duration=audio),
        "created_at": T0, "updated_at": T0, "started_at": T0,
        "finished_at": T0 + timedelta(seconds=seconds), **fields,
    }  # fmt: skip
    store.insert(Job.model_validate(values))


def test_the_median_of_similar_jobs_is_expected(store: JobStore) -> None:
    """Audio of half to twice the length counts; others, failures and the other environment
    do not."""
    for seconds in (40, 60, 50):
        finished(store, seconds, audio=10)
    finished(store, 500, audio=100)  # much longer audio
    finished(store, 5, audio=10, state=JobState.FAILED)
    finished(store, 7, audio=10, sandbox=True)
    found = expected(store, "kling", "advanced-lip-sync", 12, sandbox=False)
    assert found is not None and found.seconds == 50
    assert "3 earlier jobs" in found.basis


def test_too_few_jobs_expect_nothing_but_the_sandbox_says_its_own_time(store: JobStore) -> None:
    """Two similar jobs are not enough to promise anything; the sandbox's set time is known."""
    finished(store, 40, audio=10)
    finished(store, 60, audio=10)
    assert expected(store, "kling", "advanced-lip-sync", 10, sandbox=False) is None
    sandbox = expected(store, "kling", "advanced-lip-sync", 10, sandbox=True, sandbox_job_seconds=8)
    assert sandbox is not None and sandbox.seconds == 8

"""The unified job's tables: every provider state's job state, and the polling schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lipsync_core.errors import UnexpectedResponseError
from lipsync_core.flows.common import PollPolicy, schedule
from lipsync_core.jobs import STATE_TABLES, Job, JobState, map_provider_state
from lipsync_core.providers.ausynclab import AusyncLabState
from lipsync_core.providers.kling import KlingTaskStatus
from lipsync_core.providers.twinsync import TwinSyncState


@pytest.mark.parametrize(
    ("provider", "provider_state", "expected"),
    [
        ("ausynclab", "PENDING", JobState.QUEUED),
        ("ausynclab", "PROCESSING", JobState.RUNNING),
        ("ausynclab", "COMPLETED", JobState.SUCCEEDED),
        ("ausynclab", "FAILED", JobState.FAILED),
        ("kling", "submitted", JobState.QUEUED),
        ("kling", "processing", JobState.RUNNING),
        ("kling", "succeed", JobState.SUCCEEDED),
        ("kling", "failed", JobState.FAILED),
        ("twinsync", "waiting", JobState.QUEUED),
        ("twinsync", "running", JobState.RUNNING),
        ("twinsync", "succeeded", JobState.SUCCEEDED),
        ("twinsync", "failed", JobState.FAILED),
    ],
)
def test_each_provider_state_maps_to_one_job_state(
    provider: str, provider_state: str, expected: JobState
) -> None:
    """The documented states of all three providers become the five job states."""
    assert map_provider_state(provider, provider_state) is expected


@pytest.mark.parametrize(
    ("provider", "states"),
    [
        ("ausynclab", AusyncLabState),
        ("kling", KlingTaskStatus),
        ("twinsync", TwinSyncState),
    ],
)
def test_the_tables_cover_every_state_the_clients_know(provider: str, states: type) -> None:
    """No state a client can return is missing from its table."""
    assert set(STATE_TABLES[provider]) == {state.value for state in states}


@pytest.mark.parametrize(
    ("provider", "provider_state"),
    [("ausynclab", "CANCELLED"), ("kling", "SUCCEED"), ("twinsync", "paused"), ("kling", "")],
)
def test_an_unknown_state_is_an_unexpected_answer(provider: str, provider_state: str) -> None:
    """A state not in the table is never guessed: it raises with the provider and the state."""
    with pytest.raises(UnexpectedResponseError) as caught:
        map_provider_state(provider, provider_state)
    assert caught.value.provider == provider
    assert repr(provider_state) in str(caught.value)
    assert "does not know" in str(caught.value)


@pytest.mark.parametrize(
    ("age_seconds", "interval"),
    [(0, 2), (29, 2), (30, 5), (119, 5), (120, 15), (599, 15), (600, 60), (1799, 60)],
)
def test_checks_slow_down_as_a_job_gets_older(age_seconds: float, interval: float) -> None:
    """2 s in the first half minute, then 5 s, 15 s, and once a minute after ten minutes."""
    assert PollPolicy().interval(age_seconds) == interval


def test_past_its_deadline_a_job_is_checked_rarely_with_a_note() -> None:
    """After 30 minutes the card says the job is still running and checks every 2 minutes."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    policy = PollPolicy()
    job = Job(
        id="a" * 32,
        provider="kling",
        model="advanced-lip-sync",
        state=JobState.RUNNING,
        started_at=start,
        deadline_at=start + timedelta(seconds=policy.deadline),
    )
    now = start + timedelta(minutes=31)
    schedule(job, now, policy)
    assert job.next_poll_at == now + timedelta(seconds=120)
    assert job.note == "Still running at Kling after 31 min; checking less often."

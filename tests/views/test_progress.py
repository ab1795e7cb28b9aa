"""A running card's progress bar: against the median of similar earlier jobs (or the sandbox's
set time), counted from when the provider had everything, never full before the end."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from lipsync_core.flows.model import Job, JobInputs, JobState, Stage, utc_now
from tests.views.test_status import status, texts
from ui.runtime import Runtime

KLING = ("kling", "advanced-lip-sync")
SANDBOX_JOB_SECONDS = 600
BASIS = "from the median of 3 earlier jobs here with audio of a similar length"


@pytest.fixture
def sandbox_job_seconds() -> str:
    """Sandbox jobs set to 10 min, so that a test's own slowness never crosses the figure."""
    return str(SANDBOX_JOB_SECONDS)


def kling_job(**fields: object) -> Job:
    now = utc_now()
    values = {
        "id": uuid.uuid4().hex, "provider": KLING[0], "model": KLING[1], "sandbox": True,
        "inputs": JobInputs(audio_duration=5.0), "created_at": now - timedelta(hours=2),
        "updated_at": now, **fields,
    }  # fmt: skip
    return Job.model_validate(values)


def history(runtime: Runtime, turnarounds: list[float]) -> None:
    """Succeeded sandbox Kling jobs with 5 s of audio that took these many seconds."""
    start = utc_now() - timedelta(days=1)
    runtime.service.store.insert_many(
        [
            kling_job(
                state=JobState.SUCCEEDED,
                stage=None,
                started_at=start,
                finished_at=start + timedelta(seconds=took),
            )
            for took in turnarounds
        ]
    )


def running(
    runtime: Runtime,
    since: timedelta | None,
    state: JobState = JobState.RUNNING,
    *,
    sandbox: bool = True,
) -> Job:
    """A job at its provider since ``since`` ago (``None``: not accepted yet), not due a check."""
    now = utc_now()
    job = kling_job(
        state=state, stage=Stage.GENERATING, provider_job_id="task", sandbox=sandbox,
        started_at=None if since is None else now - since,
        next_poll_at=now + timedelta(hours=1), deadline_at=now + timedelta(hours=2),
    )  # fmt: skip
    runtime.service.store.insert(job)
    return job


@pytest.mark.parametrize(
    ("turnarounds", "since", "fraction", "text"),
    [
        ([1200, 1200, 1200], 600, 0.5, f"About 20 min expected, {BASIS}; 10 min so far."),
        (
            [1200, 1100, 1300],
            3000,
            0.95,
            f"Taking longer than the usual 20 min ({BASIS}): 50 min so far. It is not done until "
            "the card says so.",
        ),
        ([1200], 60, 0.1, "About 10 min expected, from the sandbox's set job time; "),
    ],
    ids=["half-way", "overdue-capped", "sandbox-set-time"],
)
def test_a_running_card_shows_its_expected_time(app, runtime, turnarounds, since, fraction, text):
    """The bar is elapsed over expected, capped below full while the job runs; the sentence
    says the figure and what it rests on."""
    history(runtime, turnarounds)
    running(runtime, timedelta(seconds=since))
    status(app)
    assert not app.exception
    (bar,) = app.get("progress")
    assert bar.proto.text.startswith(text)
    assert bar.proto.value == pytest.approx(fraction * 100, abs=2)


def test_no_bar_before_the_provider_has_everything(app, runtime):
    """A job not yet accepted (no start) has no bar: nothing is promised about it."""
    history(runtime, [60, 60, 60])
    running(runtime, None, state=JobState.QUEUED)
    status(app)
    assert not app.exception
    assert not app.get("progress")


def test_live_jobs_without_enough_history_say_so(app, runtime):
    """A live job with fewer than 3 similar jobs behind it gets words, not a made-up bar."""
    running(runtime, timedelta(minutes=3), sandbox=False)
    status(app)
    assert not app.get("progress")
    assert any(
        "No expected time yet: fewer than 3 similar jobs have finished here." in t
        for t in texts(app)
    )

"""Turnaround through the real Kling flow: the minutes a person takes to choose a face are not
Kling's. The stored figures (``started_at``, ``turnaround_seconds``, which the expected time on
the cards reads) and the statistics count from the task's creation; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from lipsync_core.jobs import JobInputs, JobService, JobState
from lipsync_core.sandbox import SandboxServer
from lipsync_core.schema import jobs
from lipsync_core.stats import SANDBOX, Period, provider_stats
from tests.core.conftest import sandbox_now
from tests.core.test_jobs import run_until_final

KLING = ("kling", "advanced-lip-sync")


@pytest.fixture
def face_media(sample_video_path: Path, sample_audio_path: Path) -> JobInputs:
    return JobInputs(video_path=str(sample_video_path), audio_path=str(sample_audio_path))


def stored(service: JobService, job_id: str) -> sa.Row:
    statement = sa.select(jobs.c.started_at, jobs.c.finished_at, jobs.c.turnaround_seconds)
    with service.store.engine.connect() as connection:
        return connection.execute(statement.where(jobs.c.id == job_id)).one()


@pytest.mark.parametrize("waited", [0.0, 600.0, 3 * 3600.0])
def test_a_slow_face_choice_is_not_kling_turnaround(
    service: JobService, sandbox: SandboxServer, face_media: JobInputs, waited: float
) -> None:
    """However long the face choice waits, the stored turnaround is the task's time alone, and
    the statistics read that figure."""
    job = service.submit(*KLING, face_media)
    assert job.state is JobState.NEEDS_INPUT
    sandbox.clock.advance(waited)
    chosen_at = sandbox_now(sandbox)
    chosen = service.choose_face(job.id, job.options.faces[0].face_id)
    assert chosen.started_at is not None and chosen.started_at >= chosen_at
    (done,) = run_until_final(service, sandbox, [chosen])
    assert done.state is JobState.SUCCEEDED, done.error
    task_seconds = (done.finished_at - done.started_at).total_seconds()
    assert task_seconds < 60
    assert (done.finished_at - done.created_at).total_seconds() >= waited
    row = stored(service, done.id)
    assert row.turnaround_seconds == pytest.approx(task_seconds, abs=0.01)
    stats = provider_stats(service.store, Period()).set_index(["environment", "provider", "model"])
    median = stats.loc[(SANDBOX, *KLING), "median_turnaround_s"]
    assert median == pytest.approx(task_seconds, abs=0.01)

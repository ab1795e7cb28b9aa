"""The 10,000-job history both status-page benchmarks fill, and how they time a call.

``bench_history`` times the core calls over it; ``bench_status_page`` reruns the real page.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from lipsync_core.flows.model import (
    FINAL_STATES,
    Cost,
    CostUnit,
    DownloadState,
    Job,
    JobInputs,
    JobOptions,
    JobState,
    KlingFace,
    Stage,
)
from lipsync_core.store import JobStore

JOBS = 10_000
TARGETS = [
    ("ausynclab", "prime"),
    ("ausynclab", "nova"),
    ("kling", "advanced-lip-sync"),
    ("twinsync", "videotalking"),
]
CDN = "https://cdn.test"
FAILURE = "AusyncLab could not make this video and gave no reason."
STATES = [JobState.SUCCEEDED] * 14 + [JobState.FAILED] * 4 + [JobState.RUNNING, JobState.QUEUED]


def fake_job(
    rng: random.Random,
    index: int,
    *,
    now: datetime,
    output: Path,
    states: Sequence[JobState] = STATES,
) -> Job:
    """A job created in the 90 days before ``now`` with the fields a real one carries.

    URLs, names, Kling faces, costs, and for a succeeded job its local copy at ``output``; a job
    still working is not due for a week, so nothing polls it while it is timed.
    """
    provider, model = rng.choice(TARGETS)
    created = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
    state = rng.choice(states)
    final = state in FINAL_STATES
    succeeded = state is JobState.SUCCEEDED
    faces = [
        KlingFace(face_id=str(n), face_image=f"{CDN}/{index}/{n}.jpg", start_time=0, end_time=5000)
        for n in range(2 if provider == "kling" else 0)
    ]
    return Job(
        id=uuid.UUID(int=rng.getrandbits(128)).hex,
        provider=provider,
        model=model,
        title=f"Campaign clip {index}",
        provider_job_id=str(100_000 + index),
        group_id=f"g{index // 3}" if index % 2 else None,
        inputs=JobInputs(
            video_url=f"{CDN}/video-{index}.mp4",
            audio_url=f"{CDN}/audio-{index}.wav",
            video_name=f"video-{index}.mp4",
            audio_name=f"audio-{index}.wav",
            audio_duration=rng.uniform(3, 60),
            video_duration=rng.uniform(3, 60),
        ),
        options=JobOptions(session_id="s" if faces else None, faces=faces),
        state=state,
        stage=None if final else Stage.GENERATING,
        provider_state="COMPLETED" if succeeded else None,
        output_url=f"{CDN}/out-{index}.mp4" if succeeded else None,
        output_path=str(output) if succeeded else None,
        thumbnail_url=f"{CDN}/thumb-{index}.jpg",
        download_state=DownloadState.DONE if succeeded else None,
        estimated_cost=Cost(amount=rng.uniform(100, 5000), unit=CostUnit.CREDITS, estimated=True),
        error=FAILURE if state is JobState.FAILED else None,
        created_at=created,
        updated_at=created + timedelta(minutes=3),
        finished_at=created + timedelta(minutes=3) if final else None,
        next_poll_at=None if final else now + timedelta(days=7),
        sandbox=True,
    )


def fill_history(
    store: JobStore,
    *,
    now: datetime,
    output: Path,
    states: Sequence[JobState] = STATES,
    jobs: int = JOBS,
) -> float:
    """Insert ``jobs`` fake jobs (the same ones for the same arguments); the seconds it took."""
    rng = random.Random(4)
    started = time.perf_counter()
    store.insert_many(
        fake_job(rng, index, now=now, output=output, states=states) for index in range(jobs)
    )
    return time.perf_counter() - started


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th percentile of ``call()`` in milliseconds (after one warm-up)."""
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]

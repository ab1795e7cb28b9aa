"""Status page rerun time with 10,000 jobs in the history (goal: at most 150 ms server side).

Run: ``.venv/bin/python -m bench.bench_history``. It fills a fresh SQLite file (in a temporary
folder) with 10,000 realistic jobs over 90 days, then times what the status page does on every
rerun — :meth:`JobService.history`: one page of jobs newest first, the counts per state, and
the "is anything still working" check — with no filter and with the page's filters.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lipsync_core.config import load_settings
from lipsync_core.jobs import (
    Cost,
    CostUnit,
    Job,
    JobInputs,
    JobOptions,
    JobService,
    JobState,
    KlingFace,
    Stage,
)
from lipsync_core.store import JobFilter, JobStore

JOBS = 10_000
RUNS = 50
GOAL_MS = 150.0
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TARGETS = [
    ("ausynclab", "prime"),
    ("ausynclab", "nova"),
    ("kling", "advanced-lip-sync"),
    ("twinsync", "videotalking"),
]
CDN = "https://cdn.test"
FAILURE = "AusyncLab could not make this video and gave no reason."
STATES = [JobState.SUCCEEDED] * 14 + [JobState.FAILED] * 4 + [JobState.RUNNING, JobState.QUEUED]


def fake_job(rng: random.Random, index: int) -> Job:
    """A finished-looking job with the fields a real one carries (URLs, faces, costs)."""
    provider, model = rng.choice(TARGETS)
    created = NOW - timedelta(minutes=rng.randrange(90 * 24 * 60))
    state = rng.choice(STATES)
    done = state in (JobState.SUCCEEDED, JobState.FAILED)
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
        stage=None if done else Stage.GENERATING,
        provider_state="COMPLETED" if succeeded else None,
        output_url=f"{CDN}/out-{index}.mp4" if succeeded else None,
        output_path=f"data/outputs/{index}.mp4" if succeeded else None,
        estimated_cost=Cost(amount=rng.uniform(100, 5000), unit=CostUnit.CREDITS, estimated=True),
        error=FAILURE if state is JobState.FAILED else None,
        created_at=created,
        updated_at=created + timedelta(minutes=3),
        finished_at=created + timedelta(minutes=3) if done else None,
        next_poll_at=None if done else NOW,
        sandbox=True,
    )


def timed(call, runs: int = RUNS) -> tuple[float, float]:
    """Median and 95th percentile of ``call()`` in milliseconds."""
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-history-") as folder:
        settings = load_settings(
            {"LIPSYNC_SANDBOX": "off", "LIPSYNC_DATA_DIR": folder}, secrets_path=None
        )
        store = JobStore(settings.database_url)
        rng = random.Random(4)
        started = time.perf_counter()
        store.insert_many(fake_job(rng, index) for index in range(JOBS))
        print(
            f"history: {store.count():,} jobs in {Path(folder).name}/lipsync.db "
            f"(filled in {time.perf_counter() - started:.1f} s)"
        )
        service = JobService(store, {}, settings)
        week = JobFilter(since=NOW - timedelta(days=7), until=NOW)
        cases = [
            ("page 1 of 25, no filter", None, 1, 25),
            ("page 1 of 50, no filter", None, 1, 50),
            ("page 40 of 25, no filter", None, 40, 25),
            ("Kling only, 25", JobFilter(providers=["kling"]), 1, 25),
            ("failed only, 25", JobFilter(states=[JobState.FAILED]), 1, 25),
            ("last 7 days, 25", week, 1, 25),
            (
                "AusyncLab + succeeded + 7 days, 50",
                JobFilter(
                    providers=["ausynclab"],
                    states=[JobState.SUCCEEDED],
                    since=week.since,
                    until=NOW,
                ),
                1,
                50,
            ),
        ]
        print(
            f"{'status page rerun (history(): page + counts + active check)':<62}"
            f"{'median':>8}{'p95':>8}"
        )
        worst = 0.0
        for label, filters, page, size in cases:
            median, p95 = timed(
                lambda f=filters, p=page, s=size: service.history(f, page=p, page_size=s)
            )
            worst = max(worst, p95)
            print(f"  {label:<60}{median:7.1f}ms{p95:6.1f}ms")
        verdict = "meets" if worst <= GOAL_MS else "MISSES"
        print(f"worst p95 {worst:.1f} ms: {verdict} the {GOAL_MS:.0f} ms goal")
        store.close()


if __name__ == "__main__":
    main()

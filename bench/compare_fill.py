"""A history the Compare page benchmark reads: jobs of every provider with times, costs and
lip-sync measures as real ones have them, in comparison groups, over the last 90 days.

Each job is saved through the store (its record and its figures, as the app saves one); the
lip-sync measure's columns are then set as the background measurement sets them.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa

from lipsync_core.flows.model import (
    FINAL_STATES,
    Cost,
    CostUnit,
    DownloadState,
    Job,
    JobInputs,
    JobState,
    Stage,
)
from lipsync_core.schema import comparison_groups, jobs, naive
from lipsync_core.store import JobStore

CDN = "https://cdn.test"
DAYS = 90
BATCH = 2_000
# provider, model, share of jobs, seconds a result takes (low, high), price per second or job
TARGETS = [
    ("ausynclab", "prime", 0.35, (20, 90)),
    ("ausynclab", "nova", 0.15, (30, 150)),
    ("kling", "advanced-lip-sync", 0.3, (60, 400)),
    ("twinsync", "videotalking", 0.2, (15, 60)),
]
STATES = (
    [JobState.SUCCEEDED] * 15 + [JobState.FAILED] * 3 + [JobState.RUNNING, JobState.NEEDS_INPUT]
)


def _cost(rng: random.Random, provider: str, model: str, audio: float) -> tuple[Cost, Cost | None]:
    """The estimate and, where the provider reported or the app settled one, the cost used."""
    seconds = int(audio) + 1
    if provider == "ausynclab":
        amount = seconds * (50 if model == "prime" else 5_000)
        estimate = Cost(amount=amount, unit=CostUnit.CREDITS, estimated=True)
        reported = rng.random() < 0.6
        used = amount * rng.uniform(0.9, 1.2) if reported else amount
        return estimate, Cost(amount=round(used, 3), unit=CostUnit.CREDITS, estimated=not reported)
    if provider == "kling":
        estimate = Cost(amount=0.077, unit=CostUnit.PTC, estimated=True)
        return estimate, Cost(amount=0.077, unit=CostUnit.PTC)
    if rng.random() < 0.5:
        priced = Cost(amount=round(0.02 * audio, 4), unit=CostUnit.CURRENCY, estimated=True,
                      currency="USD")  # fmt: skip
        return priced, None
    return Cost(unit=CostUnit.UNKNOWN, estimated=True), None


def fake_job(rng: random.Random, index: int, *, now: datetime, group: str | None) -> Job:
    """A job created in the ``DAYS`` before ``now``: when it started (Kling: after a face was
    chosen), how long it took, what it cost."""
    provider, model, _, took = rng.choices(TARGETS, weights=[t[2] for t in TARGETS])[0]
    created = now - timedelta(seconds=rng.randrange(DAYS * 24 * 3600))
    state = rng.choice(STATES)
    waited = rng.uniform(20, 600) if provider == "kling" else rng.uniform(1, 5)
    started = created + timedelta(seconds=waited) if state is not JobState.NEEDS_INPUT else None
    final = state in FINAL_STATES
    finished = started + timedelta(seconds=rng.uniform(*took)) if final and started else None
    audio, video = rng.uniform(3, 60), rng.uniform(3, 60)
    estimate, used = _cost(rng, provider, model, audio)
    succeeded = state is JobState.SUCCEEDED
    return Job(
        id=uuid.UUID(int=rng.getrandbits(128)).hex,
        provider=provider,
        model=model,
        title=f"Campaign clip {index}",
        provider_job_id=str(100_000 + index),
        group_id=group,
        inputs=JobInputs(
            video_url=f"{CDN}/video-{index}.mp4",
            audio_url=f"{CDN}/audio-{index}.wav",
            video_name=f"video-{index}.mp4",
            audio_name=f"audio-{index}.wav",
            audio_duration=audio,
            video_duration=video,
        ),
        state=state,
        stage=None if final else Stage.GENERATING,
        output_url=f"{CDN}/out-{index}.mp4" if succeeded else None,
        download_state=DownloadState.DONE if succeeded else None,
        estimated_cost=estimate,
        cost_used=used if final else None,
        error="The provider could not make this video." if state is JobState.FAILED else None,
        created_at=created,
        updated_at=finished or created,
        started_at=started,
        finished_at=finished,
        next_poll_at=None if final else now + timedelta(days=7),
        sandbox=rng.random() < 0.2,
    )


def _quality(rng: random.Random, job: Job) -> dict[str, object]:
    """The lip-sync measure's columns of a succeeded job: most measured, a few not yet."""
    if job.state is not JobState.SUCCEEDED or rng.random() < 0.1:
        return {
            "job_id": job.id,
            "measure": None,
            "offset": None,
            "confidence": None,
            "moves": None,
        }
    moves = not job.sandbox and rng.random() < 0.9
    return {
        "job_id": job.id,
        "measure": "measured",
        "offset": rng.gauss(0, 60) if moves else None,
        "confidence": rng.uniform(0.5, 0.95) if moves else rng.uniform(0.0, 0.4),
        "moves": moves,
    }


def _batches(now: datetime, count: int) -> Iterator[tuple[list[Job], list[dict[str, object]]]]:
    """The jobs in batches: groups of 2 to 4 jobs sent together, and single jobs."""
    rng, index = random.Random(9), 0
    while index < count:
        batch: list[Job] = []
        groups: list[dict[str, object]] = []
        while len(batch) < BATCH and index < count:
            size = min(rng.choice([1, 1, 1, 2, 3, 4]), count - index)
            group = f"g{index}" if size > 1 else None
            members = [fake_job(rng, index + n, now=now, group=group) for n in range(size)]
            if group is not None:
                first = min(job.created_at for job in members)
                members = [job.model_copy(update={"created_at": first}) for job in members]
                groups.append({"id": group, "created_at": naive(first)})
            batch += members
            index += size
        yield batch, groups


def fill(store: JobStore, *, now: datetime, count: int) -> float:
    """Save ``count`` jobs (the same ones each time) with their groups; the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(11)
    update = (
        jobs.update()
        .where(jobs.c.id == sa.bindparam("job_id"))
        .values(
            quality_state=sa.bindparam("measure"),
            offset_ms=sa.bindparam("offset"),
            sync_confidence=sa.bindparam("confidence"),
            mouth_moves=sa.bindparam("moves"),
        )
    )
    for batch, groups in _batches(now, count):
        store.insert_many(batch)
        with store.engine.begin() as connection:
            if groups:
                connection.execute(comparison_groups.insert(), groups)
            connection.execute(update, [_quality(rng, job) for job in batch])
    return time.perf_counter() - started

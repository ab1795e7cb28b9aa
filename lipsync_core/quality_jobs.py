"""Lip-sync quality of results, measured in the background: each copied result once, by one process.

A succeeded job whose result is copied to this computer is due a measure
(:attr:`Job.quality_state` is ``pending``, and so is its indexed ``quality_state`` column).
:class:`QualityJobs` takes such jobs one at a time with a database lease
(:meth:`JobStore.claim_quality`), so of several processes sharing one database each result is
measured by exactly one; a process that dies while measuring lets its lease run out and another
takes the result over, and after :data:`MAX_ATTEMPTS` such starts the result is given up on with
a sentence saying so (a file that crashes every process measuring it is not taken again forever).

``measure_sync`` keeps about two cores busy, so one result is measured at a time. Every result is
measured against its own sound track, which is what a viewer hears (Kling mixes the new audio in
at the chosen time); a result without sound is measured against the audio that was sent, when
it is a file on this computer. The video that was sent, when it is on this computer, is the
source the change outside the mouth is measured against.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import av
import numpy as np
import sqlalchemy as sa

from lipsync_core.errors import LipsyncError
from lipsync_core.flows.model import (
    DownloadState,
    Job,
    JobQuality,
    JobState,
    QualityState,
)
from lipsync_core.i18n import N_, _, kept_in_english
from lipsync_core.quality import SyncReport, measure_sync
from lipsync_core.ranking import Target
from lipsync_core.schema import jobs
from lipsync_core.store import JobStore

logger = logging.getLogger(__name__)

# A 10-minute result (the largest any provider takes) measures in about 4 minutes on 2 cores;
# the lease leaves room for a machine many times slower before another process takes it over.
MEASURE_LEASE_SECONDS = 30 * 60.0
MAX_ATTEMPTS = 3
# The reasons kept with a job (in English; shown with translate_stored).
MISSING = N_(
    "The copy of this result on this computer is missing, so its lip sync could not be measured."
)
GIVEN_UP_TEMPLATE = N_(
    "Measuring this result stopped the app {attempts} times, so it is no longer tried by itself; "
    "you can ask for it to be measured again."
)
GIVEN_UP = GIVEN_UP_TEMPLATE.format(attempts=MAX_ATTEMPTS)
BROKEN = N_(
    "Measuring this result failed because of an error in the app ({name}); you can ask for it "
    "to be measured again."
)


class QualityRequestError(LipsyncError):
    """A measure was asked for a job with no result on this computer to measure."""


@dataclass(frozen=True)
class Measured:
    """What to measure: the result, the audio to compare it with, the source video."""

    video: Path
    audio: Path | None
    source: Path | None


@dataclass(frozen=True)
class MeasuredFigures:
    """What the measures say of one provider/model's results: how many were measured, the
    share whose mouth moves with the speech, the median offset of those (ignoring its sign),
    and the median confidence of all."""

    results: int
    moving_share: float
    median_offset_ms: float | None
    median_confidence: float | None


class QualityJobs:
    """Measures due results for one process; thread-safe (the database holds every claim)."""

    def __init__(
        self,
        store: JobStore,
        owner: str,
        clock: Callable[[], datetime],
        *,
        lease: float = MEASURE_LEASE_SECONDS,
    ) -> None:
        self.store = store
        self.owner = owner
        self.clock = clock
        self.lease = lease

    @kept_in_english
    def measure_pending(self, limit: int = 1) -> int:
        """Measure up to ``limit`` due results, one at a time; how many were settled."""
        settled = 0
        for _round in range(limit):
            claimed = self.store.claim_quality(self.clock(), self.owner, lease=self.lease, limit=1)
            if not claimed:
                break
            try:
                settled += self._measure(claimed[0].id)
            finally:
                self.store.release([claimed[0].id], self.owner)
        return settled

    def request(self, job_id: str) -> Job:
        """Measure a job's result again (soon, in the background); the job as saved."""
        job, _changed = self.store.change(job_id, requested)
        if job is None:
            raise QualityRequestError(_("This job is no longer in the history."))
        return job

    def _measure(self, job_id: str) -> int:
        job, started = self.store.change(job_id, measuring_started)
        if job is None or not started or job.quality is None:
            return 0
        if job.quality.attempts > MAX_ATTEMPTS:
            given_up = _(GIVEN_UP_TEMPLATE).format(attempts=MAX_ATTEMPTS)
            report = SyncReport(None, None, False, reason=given_up)
            return int(self.store.change(job_id, recorded, report, None, self.clock())[1])
        began = time.monotonic()
        report = measure(job)
        seconds = round(time.monotonic() - began, 3)
        logger.info("job %s: lip sync measured in %.1f s: %s", job_id, seconds, report.summary())
        return int(self.store.change(job_id, recorded, report, seconds, self.clock())[1])


def measured_figures(store: JobStore) -> dict[Target, MeasuredFigures]:
    """The measured figures of every provider/model (sandbox and live apart)."""
    statement = sa.select(
        jobs.c.provider, jobs.c.model, jobs.c.sandbox, jobs.c.mouth_moves, jobs.c.offset_ms,
        jobs.c.sync_confidence,
    ).where(jobs.c.quality_state == QualityState.MEASURED.value)  # fmt: skip
    with store.engine.connect() as connection:
        rows = connection.execute(statement).all()
    grouped: dict[Target, list[tuple[bool, float | None, float | None]]] = {}
    for provider, model, sandbox, moves, offset, confidence in rows:
        grouped.setdefault(Target(provider, model, bool(sandbox)), []).append(
            (bool(moves), offset, confidence)
        )
    return {target: _figures(measures) for target, measures in grouped.items()}


def _figures(measures: list[tuple[bool, float | None, float | None]]) -> MeasuredFigures:
    offsets = [abs(offset) for moves, offset, _ in measures if moves and offset is not None]
    confidences = [confidence for _, _, confidence in measures if confidence is not None]
    return MeasuredFigures(
        results=len(measures),
        moving_share=sum(moves for moves, _, _ in measures) / len(measures),
        median_offset_ms=float(np.median(offsets)) if offsets else None,
        median_confidence=float(np.median(confidences)) if confidences else None,
    )


@kept_in_english
def measure(job: Job) -> SyncReport:
    """The lip-sync report of a job's local result; never raises (the report says why not, in
    English: it is kept with the job)."""
    found = what_to_measure(job)
    if isinstance(found, str):
        return SyncReport(None, None, False, reason=found)
    try:
        return measure_sync(found.video, found.audio, source=found.source)
    except Exception as exc:
        # measure_sync reports every unreadable file itself: this is a bug, logged in full, and
        # the card says the result can be measured again once it is fixed.
        logger.exception("measuring the result of job %s failed", job.id)
        broken = _(BROKEN).format(name=type(exc).__name__)
        return SyncReport(None, None, False, reason=broken)


def what_to_measure(job: Job) -> Measured | str:
    """The files to measure a job's result with, or the sentence why it cannot be."""
    video = _local(job.output_path)
    if video is None:
        return _(MISSING)
    audio = None
    if job.provider != "kling" and not has_sound(video):
        audio = _local(job.inputs.audio_path)
    return Measured(video, audio, _local(job.inputs.video_path))


def has_sound(video: Path) -> bool:
    """Whether the file has a sound track (a file that cannot be opened counts as having one:
    the measure then says what is wrong with it)."""
    try:
        with av.open(str(video)) as container:
            return bool(container.streams.audio)
    except (av.FFmpegError, OSError, ValueError):
        return True


def _local(path: str | None) -> Path | None:
    return Path(path) if path and Path(path).is_file() else None


# -- transitions (applied through JobStore.change, which re-reads and saves with a version check) --


def measuring_started(job: Job) -> bool:
    """This process starts measuring: count the attempt (declines unless a measure is due)."""
    if job.quality_state is not QualityState.PENDING:
        return False
    quality = job.quality or JobQuality()
    job.quality = quality.model_copy(update={"attempts": quality.attempts + 1})
    return True


def recorded(job: Job, report: SyncReport, seconds: float | None, now: datetime) -> bool:
    """Keep the report (declines if the measure is no longer due: another process kept one)."""
    if job.quality_state is not QualityState.PENDING:
        return False
    attempts = job.quality.attempts if job.quality is not None else 0
    job.quality = JobQuality(
        state=QualityState.MEASURED if report.measured else QualityState.FAILED,
        report=report.to_dict(),
        measured_at=now,
        seconds=seconds,
        attempts=attempts,
    )
    return True


def requested(job: Job) -> bool:
    """Measure the result again; raises when there is no result on this computer."""
    if job.state is not JobState.SUCCEEDED or job.download_state is not DownloadState.DONE:
        raise QualityRequestError(
            _("Only a result copied to this computer can be measured; this one is not.")
        )
    waiting = job.quality is None or job.quality.attempts == 0
    if job.quality_state is QualityState.PENDING and waiting:
        return False
    job.quality = JobQuality()
    return True

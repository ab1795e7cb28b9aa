"""Lip sync measured in the background: each copied result once, stored with its job and in the
columns statistics group on, again on demand, and a sentence when it cannot be measured.

Jobs run on the sandbox (its clock is the services' clock) over a real database, SQLite then
PostgreSQL; results are measured by the real ``measure_sync``.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lipsync_core.flows.model import (
    DownloadState,
    Job,
    JobInputs,
    JobQuality,
    JobState,
    QualityState,
)
from lipsync_core.jobs import JobService
from lipsync_core.quality import SyncReport
from lipsync_core.quality_jobs import (
    GIVEN_UP,
    MAX_ATTEMPTS,
    MISSING,
    MeasuredFigures,
    QualityRequestError,
    measured_figures,
    measuring_started,
    what_to_measure,
)
from lipsync_core.ranking import Target
from lipsync_core.sandbox import SandboxServer
from lipsync_core.schema import jobs, make_engine
from lipsync_core.store import JobStore
from lipsync_core.store import _row as row_of
from tests.core.conftest import MakeService, sandbox_now, write_clip
from tests.core.test_jobs import run_until_final
from tests.core.test_schema import V1_COLUMNS, version_one

NO_FACE = "No face was found in the video, so lip sync cannot be judged."


@pytest.fixture
def face_media(sample_video_path: Path, sample_audio_path: Path) -> JobInputs:
    """The shipped 5 s face clip and 5 s of speech, as files on this computer."""
    return JobInputs(video_path=str(sample_video_path), audio_path=str(sample_audio_path))


def finished(service: JobService, sandbox: SandboxServer, *sent: Job) -> list[Job]:
    """The jobs once succeeded and their results copied to this computer."""
    done = run_until_final(service, sandbox, list(sent))
    assert all(job.state is JobState.SUCCEEDED for job in done), [j.error for j in done]
    assert all(job.download_state is DownloadState.DONE for job in done)
    return done


def columns(service: JobService, job_id: str) -> dict[str, Any]:
    """The job's quality columns as the database holds them."""
    query = sa.select(
        jobs.c.quality_state, jobs.c.offset_ms, jobs.c.sync_confidence, jobs.c.mouth_moves
    ).where(jobs.c.id == job_id)
    with service.store.engine.connect() as connection:
        return dict(connection.execute(query).mappings().one())


def test_a_sandbox_result_is_measured_in_the_background_and_its_mouth_does_not_move(
    service: JobService, sandbox: SandboxServer, face_media: JobInputs
) -> None:
    """The sandbox moves no lips: its result is measured once, stored, and says so."""
    (job,) = finished(service, sandbox, service.submit("ausynclab", "nova", face_media))
    assert job.quality_state is QualityState.PENDING
    assert columns(service, job.id)["quality_state"] == "pending"
    assert service.measure_results() == 1
    assert service.measure_results() == 0
    measured = service.get(job.id)
    quality = measured.quality
    assert quality.state is QualityState.MEASURED and quality.attempts == 1
    assert quality.report["mouth_moves"] is False and quality.report["reason"] is None
    # The source was given: only the sandbox's caption changed the picture outside the mouth.
    assert quality.report["face_share"] > 0.9 and 0 < quality.report["outside_mouth_change"] < 0.2
    assert 0 < quality.seconds < 60
    assert job.finished_at < quality.measured_at <= sandbox_now(sandbox)
    stored = columns(service, job.id)
    assert stored["quality_state"] == "measured" and stored["mouth_moves"] is False
    assert stored["offset_ms"] is None
    assert stored["sync_confidence"] == pytest.approx(quality.report["confidence"])


@pytest.mark.parametrize("contenders", [2, 3])
def test_services_on_one_database_measure_each_result_once(
    make_service: MakeService,
    sandbox: SandboxServer,
    small_media: JobInputs,
    contenders: int,
) -> None:
    """Processes asking at the same moment share the results: each is measured by exactly one."""
    first = make_service()
    sent = [first.submit("twinsync", "videotalking", small_media, title=str(n)) for n in range(4)]
    done = finished(first, sandbox, *sent)
    services = [first, *(make_service() for _ in range(contenders - 1))]
    start = threading.Barrier(len(services))
    counts: list[int] = []

    def measure(service: JobService) -> None:
        start.wait()
        counts.append(service.measure_results(limit=10))

    threads = [threading.Thread(target=measure, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(counts) == len(done)
    for job in first.get_many([job.id for job in done]):
        assert job.quality.attempts == 1, "measured by one process, once"
        assert job.quality.state is QualityState.FAILED and job.quality.report["reason"] == NO_FACE


def test_a_result_held_by_a_process_that_died_is_measured_when_its_lease_runs_out(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Another process waits out the dead one's lease, then measures the result itself."""
    service = make_service()
    (job,) = finished(service, sandbox, service.submit("twinsync", "videotalking", small_media))
    held = service.store.claim_quality(sandbox_now(sandbox), "dead", lease=60, limit=1)
    assert [j.id for j in held] == [job.id]
    service.store.change(job.id, measuring_started)
    other = make_service()
    assert other.measure_results() == 0
    sandbox.clock.advance(61)
    assert other.measure_results() == 1
    quality = other.get(job.id).quality
    assert quality.state is QualityState.FAILED and quality.attempts == 2


def test_a_result_that_stopped_every_measure_is_given_up_with_a_sentence(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """After as many unfinished starts as allowed, the next one gives up and says why."""
    (job,) = finished(service, sandbox, service.submit("twinsync", "videotalking", small_media))
    for _ in range(MAX_ATTEMPTS):
        service.store.change(job.id, measuring_started)
    assert service.measure_results() == 1
    quality = service.get(job.id).quality
    assert quality.state is QualityState.FAILED and quality.report["reason"] == GIVEN_UP
    assert quality.seconds is None
    assert columns(service, job.id) == {
        "quality_state": "failed", "offset_ms": None, "sync_confidence": None, "mouth_moves": None
    }  # fmt: skip


def test_a_result_is_measured_again_on_demand(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Asking again makes it due (once, however often asked); the next round measures it anew."""
    (job,) = finished(service, sandbox, service.submit("twinsync", "videotalking", small_media))
    service.measure_results()
    first = service.get(job.id).quality
    sandbox.clock.advance(30)
    again = service.measure_again(job.id)
    assert again.quality_state is QualityState.PENDING and again.quality.report is None
    assert service.measure_again(job.id).version == again.version, "asked twice: one request"
    assert columns(service, job.id)["quality_state"] == "pending"
    assert service.measure_results() == 1
    second = service.get(job.id).quality
    assert second.state is QualityState.FAILED and second.attempts == 1
    assert second.measured_at >= first.measured_at + timedelta(seconds=30)


def test_a_failed_job_cannot_be_measured(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """A job with no result on this computer is refused in words, and nothing is due."""
    sandbox.add_fault("twinsync", "POST", r"/videotalking", "fail_job")
    job = service.submit("twinsync", "videotalking", small_media)
    (failed,) = run_until_final(service, sandbox, [job])
    assert failed.quality_state is None
    with pytest.raises(QualityRequestError, match="Only a result copied to this computer"):
        service.measure_again(job.id)
    assert columns(service, job.id)["quality_state"] is None


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (None, NO_FACE),
        ("delete", MISSING),
        ("text", "could not be read: it may be damaged, cut short or not a video."),
    ],
    ids=["no-face", "missing-copy", "not-a-video"],
)
def test_a_result_that_cannot_be_measured_says_why(
    service: JobService,
    sandbox: SandboxServer,
    small_media: JobInputs,
    damage: str | None,
    reason: str,
) -> None:
    """The reason sentence is stored with the job; the columns say failed, with no figures."""
    (job,) = finished(service, sandbox, service.submit("twinsync", "videotalking", small_media))
    output = Path(job.output_path)
    if damage == "delete":
        output.unlink()
    elif damage == "text":
        output.write_bytes(b"this is not a video" * 100)
    assert service.measure_results() == 1
    quality = service.get(job.id).quality
    assert quality.state is QualityState.FAILED and quality.report["reason"].endswith(reason)
    assert columns(service, job.id)["quality_state"] == "failed"


@pytest.mark.parametrize(
    ("provider", "sound", "audio_sent"),
    [
        ("twinsync", True, False),
        ("twinsync", False, True),
        ("ausynclab", False, True),
        ("kling", False, False),
        ("kling", True, False),
    ],
)
def test_a_result_is_measured_against_its_own_sound_or_else_the_audio_sent(
    tmp_path: Path, sample_audio_path: Path, provider: str, sound: bool, audio_sent: bool
) -> None:
    """Its own track when it has one; without, the audio sent, except Kling's (mixed in later)."""
    result = write_clip(tmp_path / "out.mp4", seconds=1.0, audio_seconds=1.0 if sound else None)
    source = write_clip(tmp_path / "in.mp4", seconds=1.0)
    inputs = JobInputs(video_path=str(source), audio_path=str(sample_audio_path))
    job = Job(id="j", provider=provider, model="m", inputs=inputs, output_path=str(result))
    found = what_to_measure(job)
    assert found.video == result and found.source == source
    assert found.audio == (sample_audio_path if audio_sent else None)


def test_a_version_one_history_has_its_copied_results_due_a_measure(database_url: str) -> None:
    """Opening an old history marks each copied result pending, and only those."""
    version_one(database_url)
    copied = Job(
        id="a" * 32, provider="twinsync", model="videotalking", state=JobState.SUCCEEDED,
        download_state=DownloadState.DONE, output_path="/nowhere/a.mp4",
    )  # fmt: skip
    remote = copied.model_copy(update={"id": "b" * 32, "download_state": DownloadState.FAILED})
    failed = copied.model_copy(update={"id": "c" * 32, "state": JobState.FAILED})
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for job in (copied, remote, failed):
            row = {c: v for c, v in row_of(job, version=1).items() if c in V1_COLUMNS["jobs"]}
            connection.execute(sa.insert(sa.table("jobs", *[sa.column(c) for c in row])), row)
    engine.dispose()
    store = JobStore(database_url)
    try:
        with store.engine.connect() as connection:
            states = dict(connection.execute(sa.select(jobs.c.id, jobs.c.quality_state)).all())
        assert states == {copied.id: "pending", remote.id: None, failed.id: None}
    finally:
        store.close()


def test_measured_figures_per_provider_keep_sandbox_and_live_apart(database_url: str) -> None:
    """Per provider/model: results measured, share moving, median |offset| of the moving ones,
    median confidence of all; pending and failed measures are not counted."""

    def measured(provider: str, sandbox: bool, report: dict[str, Any] | None, state: str) -> Job:
        quality = JobQuality(state=QualityState(state), report=report)
        return Job(
            id=uuid.uuid4().hex, provider=provider, model="m", state=JobState.SUCCEEDED,
            download_state=DownloadState.DONE, sandbox=sandbox, quality=quality,
        )  # fmt: skip

    def moving(offset: float, confidence: float) -> dict[str, Any]:
        return SyncReport(offset, confidence, True).to_dict()

    still = SyncReport(None, 0.2, False).to_dict()
    unmeasurable = SyncReport(None, None, False, reason="No face was found.").to_dict()
    store = JobStore(database_url)
    try:
        store.insert_many([
            measured("kling", False, moving(-40.0, 0.9), "measured"),
            measured("kling", False, moving(80.0, 0.7), "measured"),
            measured("kling", False, moving(10.0, 0.8), "measured"),
            measured("kling", False, still, "measured"),
            measured("kling", True, still, "measured"),
            measured("kling", False, None, "pending"),
            measured("kling", False, unmeasurable, "failed"),
        ])  # fmt: skip
        figures = measured_figures(store)
    finally:
        store.close()
    assert figures == {
        Target("kling", "m", False): MeasuredFigures(4, 0.75, 40.0, 0.75),
        Target("kling", "m", True): MeasuredFigures(1, 0.0, None, 0.2),
    }

"""Never two provider jobs for one intended job, never a lost one: crashes and lost answers.

A crash between recording a job's intent and saving the provider's answer leaves a row in
stage ``submitting`` (or ``creating task``) without a provider id. These tests make such rows
the way a crash would — the intent row alone, or the intent plus the provider call it was
making — then start a new service over the same database, as after a restart.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from lipsync_core.flows.common import tagged_name
from lipsync_core.jobs import (
    Job,
    JobInputs,
    JobOptions,
    JobService,
    JobState,
    KlingFace,
    PollPolicy,
    Stage,
)
from lipsync_core.providers.ausynclab import AusyncLabClient
from lipsync_core.sandbox import SandboxServer
from tests.core.conftest import MakeService, sandbox_now

GRACE = PollPolicy().submit_grace
SETTLE = PollPolicy().settle_window


def intent(sandbox: SandboxServer, provider: str, model: str, inputs: JobInputs, **fields) -> Job:
    """The row a service records before calling the provider."""
    now = sandbox_now(sandbox)
    values = {
        "id": uuid.uuid4().hex,
        "provider": provider,
        "model": model,
        "inputs": inputs,
        "state": JobState.QUEUED,
        "stage": Stage.SUBMITTING,
        "created_at": now,
        "updated_at": now,
        "next_poll_at": now + timedelta(seconds=GRACE),
        "sandbox": True,
        **fields,
    }
    return Job.model_validate(values)


def posts(sandbox: SandboxServer, provider: str) -> list[str]:
    return [r.path for r in sandbox.requests(provider) if r.method == "POST"]


def finish(service: JobService, sandbox: SandboxServer, job_id: str) -> Job:
    for _ in range(30):
        sandbox.clock.advance(1.0)
        assert sandbox.wait_idle(timeout=60)
        service.refresh_due()
        job = service.get(job_id)
        if job.is_final:
            return job
    raise AssertionError(f"job did not finish: {job.state} {job.stage}")


def settle(service: JobService, sandbox: SandboxServer, job_id: str) -> list[str]:
    """Refresh through the settle window; the notes the job showed on the way."""
    notes: list[str] = []
    for _ in range(60):
        job = service.get(job_id)
        if job.is_final:
            return notes
        notes.append(job.note or "")
        sandbox.clock.advance(30.0)
        service.refresh_due()
    raise AssertionError("the job did not end within the settle window")


def test_an_intent_is_left_alone_while_its_call_may_still_be_under_way(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Within the grace period nobody recovers a submission: its call may still be running."""
    service = make_service()
    job, _ = service.store.insert(intent(sandbox, "ausynclab", "nova", small_media))
    sandbox.clock.advance(GRACE - 5)
    assert service.refresh_due().due == 0
    assert sandbox.requests("ausynclab") == []
    assert service.get(job.id).stage is Stage.SUBMITTING


@pytest.mark.parametrize(
    ("model", "listed"),
    [
        ("nova", "/ausynclab/api/v1/lipsync/generate"),
        ("prime", "/ausynclab/api/v1/lipsync/register"),
    ],
)
def test_ausynclab_never_reached_fails_saying_it_never_started(
    make_service: MakeService,
    sandbox: SandboxServer,
    small_media: JobInputs,
    model: str,
    listed: str,
) -> None:
    """A crash before the call: no video in AusyncLab's list has the job's tag over the whole
    settle window; meanwhile the card says to wait, and nothing is ever sent."""
    make_service().store.insert(intent(sandbox, "ausynclab", model, small_media))
    restarted = make_service()
    sandbox.clock.advance(GRACE + 1)
    restarted.refresh_due()
    (waiting,) = restarted.history().jobs
    assert waiting.state is JobState.QUEUED and waiting.stage is Stage.SUBMITTING
    notes = settle(restarted, sandbox, waiting.id)
    assert notes and all("Do not send it again meanwhile" in note for note in notes)
    job = restarted.get(waiting.id)
    assert job.state is JobState.FAILED
    assert job.error.startswith("AusyncLab still has no record of this job after 10 min")
    assert job.error.endswith(
        "so it never started and AusyncLab did not take it. You can send it again."
    )
    requests = [(r.method, r.path) for r in sandbox.requests("ausynclab")]
    assert len(requests) >= 3 and set(requests) == {("GET", listed)}


def test_ausynclab_received_before_the_crash_is_found_by_its_name(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """A crash after registering: the registration is found by the job's tag and followed."""
    job, _ = make_service().store.insert(intent(sandbox, "ausynclab", "prime", small_media))
    client = AusyncLabClient("sandbox", sandbox.base_urls["ausynclab"])
    video_id = client.register_video(Path(small_media.video_path).as_uri(), name=tagged_name(job))
    restarted = make_service()
    sandbox.clock.advance(GRACE + 1)
    restarted.refresh_due()
    recovered = restarted.get(job.id)
    assert recovered.stage is Stage.REGISTERING and recovered.registered_video_id == video_id
    done = finish(restarted, sandbox, job.id)
    assert done.state is JobState.SUCCEEDED, done.error
    assert posts(sandbox, "ausynclab") == [
        "/ausynclab/api/v1/lipsync/register-video",
        "/ausynclab/api/v1/lipsync/generate-lipsync",
    ]


def test_an_answer_lost_to_a_timeout_is_found_instead_of_sent_again(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """AusyncLab answers after the client gave up: the job is found in the list, not resent."""
    sandbox.add_fault("ausynclab", "POST", "generate-lipsync-v2", "latency", latency=0.6)
    impatient = make_service(timeout=0.2)
    job = impatient.submit("ausynclab", "nova", small_media)
    assert job.stage is Stage.SUBMITTING and job.provider_job_id is None
    assert job.note.startswith("Sent to AusyncLab, waiting for AusyncLab to confirm it received")
    wait_for_answer(sandbox, "/ausynclab/api/v1/lipsync/generate-lipsync-v2")
    restarted = make_service()
    sandbox.clock.advance(PollPolicy().confirm_delay + 1)
    restarted.refresh_due()
    assert restarted.get(job.id).stage is Stage.GENERATING
    done = finish(restarted, sandbox, job.id)
    assert done.state is JobState.SUCCEEDED, done.error
    assert posts(sandbox, "ausynclab") == ["/ausynclab/api/v1/lipsync/generate-lipsync-v2"]


def test_twinsync_interrupted_fails_saying_it_could_not_be_confirmed(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """TwinSync cannot be asked: the job fails with words that say so, and is not resent."""
    make_service().store.insert(intent(sandbox, "twinsync", "videotalking", small_media))
    restarted = make_service()
    sandbox.clock.advance(GRACE + 1)
    restarted.refresh_due()
    (job,) = restarted.history().jobs
    assert job.state is JobState.FAILED
    assert job.error.startswith("The app could not confirm whether TwinSync received this job")
    assert sandbox.requests("twinsync") == []


def test_kling_task_never_created_fails_saying_it_never_started(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """A crash before creating the task: Kling has no task with the job's external id."""
    face = KlingFace(face_id="0", start_time=0, end_time=2000)
    options = JobOptions(session_id="gone", faces=[face], face_id="0", sound_end_time=2000)
    row = intent(
        sandbox, "kling", "advanced-lip-sync", small_media,
        stage=Stage.CREATING_TASK, options=options,
    )  # fmt: skip
    make_service().store.insert(row)
    restarted = make_service()
    sandbox.clock.advance(GRACE + 1)
    restarted.refresh_due()
    assert restarted.get(row.id).state is JobState.QUEUED
    settle(restarted, sandbox, row.id)
    job = restarted.get(row.id)
    assert job.state is JobState.FAILED and "Kling still has no record of this job" in job.error
    asked = {(r.method, r.path) for r in sandbox.requests("kling")}
    assert asked == {("GET", f"/kling/klingai/v1/videos/advanced-lip-sync/{row.id}")}


def wait_for_answer(sandbox: SandboxServer, path: str, timeout: float = 10.0) -> None:
    """Wait (real time) until the sandbox has answered a request to ``path``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r.path == path and r.status == 200 for r in sandbox.requests()):
            return
        time.sleep(0.05)
    raise AssertionError(f"the sandbox never answered {path}")


def test_a_kling_task_whose_answer_was_lost_is_found_by_its_external_id(
    make_service: MakeService,
    sandbox: SandboxServer,
    sample_video_path: Path,
    sample_audio_path: Path,
) -> None:
    """Kling creates the task after the client gave up: the job finds it, and it is not resent."""
    media = JobInputs(video_path=str(sample_video_path), audio_path=str(sample_audio_path))
    job = make_service().submit("kling", "advanced-lip-sync", media)
    sandbox.add_fault("kling", "POST", "advanced-lip-sync$", "latency", latency=0.6)
    waiting = make_service(timeout=0.2).choose_face(job.id, job.options.faces[0].face_id)
    assert waiting.stage is Stage.CREATING_TASK and waiting.provider_job_id is None
    wait_for_answer(sandbox, "/kling/klingai/v1/videos/advanced-lip-sync")
    restarted = make_service()
    sandbox.clock.advance(PollPolicy().confirm_delay + 1)
    restarted.refresh_due()
    assert restarted.get(job.id).stage is Stage.GENERATING
    done = finish(restarted, sandbox, job.id)
    assert done.state is JobState.SUCCEEDED, done.error
    assert posts(sandbox, "kling") == [
        "/kling/klingai/v1/videos/identify-face",
        "/kling/klingai/v1/videos/advanced-lip-sync",
    ]


@pytest.mark.parametrize(
    ("fault", "provider", "model", "path", "ambiguous"),
    [
        ("business_error", "ausynclab", "nova", "generate-lipsync-v2", False),
        ("auth_error", "twinsync", "videotalking", "videotalking", False),
        ("html_500", "ausynclab", "nova", "generate-lipsync-v2", True),
        ("html_502", "ausynclab", "nova", "generate-lipsync-v2", True),
        ("drop_connection", "ausynclab", "nova", "generate-lipsync-v2", True),
        ("malformed_json", "ausynclab", "nova", "generate-lipsync-v2", True),
    ],
)
def test_a_refusal_fails_at_once_and_an_unclear_outcome_is_checked(
    make_service: MakeService,
    sandbox: SandboxServer,
    small_media: JobInputs,
    fault: str,
    provider: str,
    model: str,
    path: str,
    ambiguous: bool,
) -> None:
    """A provider's clear "no" fails the job; a lost answer keeps it while the list is checked
    over the settle window, and only then says it never started."""
    sandbox.add_fault(provider, "POST", path, fault)
    job = make_service().submit(provider, model, small_media)
    if not ambiguous:
        assert job.state is JobState.FAILED and job.error.endswith(".")
        return
    assert job.state is JobState.QUEUED and job.stage is Stage.SUBMITTING
    assert job.note.startswith("Sent to AusyncLab, waiting for AusyncLab to confirm it received")
    restarted = make_service()
    sandbox.clock.advance(PollPolicy().confirm_delay + 1)
    restarted.refresh_due()
    assert restarted.get(job.id).state is JobState.QUEUED
    settle(restarted, sandbox, job.id)
    assert "AusyncLab still has no record of this job" in restarted.get(job.id).error
    assert posts(sandbox, provider) == [f"/ausynclab/api/v1/lipsync/{path}"]

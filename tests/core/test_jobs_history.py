"""What the status page does with finished jobs: submit again, remove, costs, kept copies."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from lipsync_core.downloads import DownloadError, download
from lipsync_core.jobs import (
    CostUnit,
    Job,
    JobInputs,
    JobService,
    JobState,
    Stage,
)
from lipsync_core.sandbox import SandboxServer
from lipsync_core.store import JobFilter
from tests.core.conftest import MakeService


def finish(service: JobService, sandbox: SandboxServer, job: Job, **refresh) -> Job:
    for _ in range(30):
        sandbox.clock.advance(1.0)
        assert sandbox.wait_idle(timeout=60)
        service.refresh_due(**refresh)
        current = service.get(job.id)
        if current.is_final:
            return current
    raise AssertionError(f"job did not finish: {current.state} {current.stage}")


def posts(sandbox: SandboxServer, provider: str) -> list[str]:
    return [r.path for r in sandbox.requests(provider) if r.method == "POST"]


def test_submit_again_makes_one_new_job_with_the_same_input(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """ "Submit again" twice on the same job: one new job, same inputs, outside the old
    comparison group (a re-send is a comparison of its own)."""
    sandbox.add_fault("twinsync", "POST", "videotalking", "fail_job")
    (first,) = service.submit_group([("twinsync", "videotalking")], small_media)
    failed = finish(service, sandbox, first)
    again = service.retry(failed.id)
    twice = service.retry(failed.id)
    assert twice.id == again.id != failed.id
    assert again.inputs == failed.inputs
    assert failed.group_id is not None and again.group_id is None
    assert finish(service, sandbox, again).state is JobState.SUCCEEDED
    assert len(posts(sandbox, "twinsync")) == 2


def test_submit_again_on_prime_reuses_the_registered_video(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """A Prime job that got past registration is retried from its registered video."""
    sandbox.add_fault("ausynclab", "POST", "generate-lipsync$", "fail_job")
    failed = finish(service, sandbox, service.submit("ausynclab", "prime", small_media))
    assert failed.state is JobState.FAILED
    again = service.retry(failed.id)
    assert again.inputs.registered_video_id == failed.registered_video_id
    assert again.stage is Stage.GENERATING
    assert posts(sandbox, "ausynclab").count("/ausynclab/api/v1/lipsync/register-video") == 1


def test_removing_a_job_takes_it_out_of_the_history_only(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """The job leaves the history; nothing is deleted at the provider."""
    job = service.submit("twinsync", "videotalking", small_media)
    assert service.remove(job.id)
    assert service.get(job.id) is None and service.history().total == 0
    sandbox.clock.advance(5)
    assert service.refresh_due().due == 0
    assert [r.method for r in sandbox.requests("twinsync")] == ["POST"]


def test_ausynclab_credits_come_from_its_callback(
    make_service: MakeService,
    sandbox: SandboxServer,
    small_media: JobInputs,
    httpserver: HTTPServer,
) -> None:
    """The credits AusyncLab's callback reports become the job's cost, no longer estimated."""
    path = re.compile(r"/callbacks/ausynclab/[0-9a-f]{32}/[0-9a-f]{64}")
    httpserver.expect_request(path, method="POST").respond_with_data("ok")
    service = make_service(callback_url=httpserver.url_for("/callbacks/ausynclab"))
    done = finish(service, sandbox, service.submit("ausynclab", "nova", small_media))
    assert done.state is JobState.SUCCEEDED and done.cost_used.estimated
    payload = wait_for_callback(sandbox, int(done.provider_job_id))
    job = service.record_callback(done.id, payload)
    assert job.id == done.id
    assert job.cost_used.unit is CostUnit.CREDITS and not job.cost_used.estimated
    assert job.cost_used.amount == payload["credits_used"] > 0


def test_a_callback_for_a_job_not_in_the_history_changes_nothing(service: JobService) -> None:
    """A callback for a job removed from the history (or never in it) finds no job."""
    payload = {"video_id": 987654, "video_url": None, "credits_used": 5, "status": "FAILED"}
    assert service.record_callback("no-such-job", payload) is None
    assert service.history().total == 0


def test_a_result_that_cannot_be_copied_still_counts_as_done(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """The provider's copy is gone: the job stays succeeded, with its address and a note."""
    job = service.submit("twinsync", "videotalking", small_media)
    for _ in range(30):
        sandbox.clock.advance(1.0)
        assert sandbox.wait_idle(timeout=60)
        service.refresh_due(download=False)
        if service.get(job.id).is_final:
            break
    for served in (sandbox.data_dir / "files").iterdir():
        served.unlink()
    for _ in range(service.policy.download_attempts):
        service.download_outputs()
    kept = service.get(job.id)
    assert kept.state is JobState.SUCCEEDED and kept.output_url and kept.output_path is None
    assert kept.note == (
        "The result could not be copied to this computer (HTTP 404). "
        "It plays from TwinSync until TwinSync deletes it."
    )
    assert service.download_outputs() == 0


def test_the_history_page_lists_counts_and_says_whether_to_keep_refreshing(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """One call gives the status page its page of jobs, the counts, and the active check."""
    first = service.submit("twinsync", "videotalking", small_media)
    sandbox.clock.advance(1)
    second = service.submit("ausynclab", "nova", small_media)
    page = service.history(page=1, page_size=1)
    assert [j.id for j in page.jobs] == [second.id] and page.total == 2 and page.pages == 2
    assert page.has_working
    finish(service, sandbox, first)
    finish(service, sandbox, second)
    done = service.history(JobFilter(providers=["twinsync"]))
    assert [j.id for j in done.jobs] == [first.id]
    assert done.counts[JobState.SUCCEEDED] == 1 and not done.has_working


def wait_for_callback(sandbox: SandboxServer, video_id: int, timeout: float = 10.0) -> dict:
    """Wait (real time) for the sandbox to have sent the generation's callback."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for _url, payload, _ok in sandbox.callbacks_sent:
            if payload.get("video_id") == video_id and "video_url" in payload:
                return payload
        time.sleep(0.05)
    raise AssertionError(f"no callback for video {video_id}: {sandbox.callbacks_sent}")


def test_a_result_over_the_size_cap_is_not_kept(
    httpserver: HTTPServer, tmp_path: Path, trust_host: Callable[[str], None]
) -> None:
    """A download larger than the cap stops, leaves no partial file, and says why."""
    trust_host(httpserver.url_for("/"))
    httpserver.expect_request("/big.mp4").respond_with_data(b"x" * 300_000)
    destination = tmp_path / "outputs" / "job.mp4"
    with pytest.raises(DownloadError, match="larger than"):
        download(httpserver.url_for("/big.mp4"), destination, max_bytes=100_000)
    assert list(destination.parent.iterdir()) == []


def test_a_result_is_streamed_into_place(
    httpserver: HTTPServer, tmp_path: Path, trust_host: Callable[[str], None]
) -> None:
    """A download under the cap ends as the named file, with nothing left over."""
    trust_host(httpserver.url_for("/"))
    httpserver.expect_request("/ok.mp4").respond_with_data(b"y" * 300_000)
    destination = tmp_path / "outputs" / "job.mp4"
    assert download(httpserver.url_for("/ok.mp4"), destination) == destination
    assert destination.read_bytes() == b"y" * 300_000
    assert [p.name for p in destination.parent.iterdir()] == ["job.mp4"]

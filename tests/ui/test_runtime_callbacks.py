"""The dashboard's runtime against forged AusyncLab callbacks, over real HTTP: whatever is
posted, to the documented address or to a job's own, the history stays readable and no cost is
rewritten.

Sandbox jobs here take ten minutes of sandbox clock, so AusyncLab's own callback never arrives
during a test: only the test's posts reach the receiver.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from lipsync_core.flows.model import Job, JobInputs
from tests.core.conftest import write_clip, write_wav
from ui.runtime import Runtime


@pytest.fixture
def sandbox_job_seconds() -> str:
    """Jobs that outlast the test (the shared ``runtime`` reads this)."""
    return "600"


def running_nova(runtime: Runtime) -> Job:
    """A Nova job of a tiny clip, sent to the sandbox and still being generated."""
    folder = Path(runtime.settings.data_dir)
    inputs = JobInputs(
        video_path=str(write_clip(folder / "clip.mp4", seconds=2.0, width=160, height=120)),
        audio_path=str(write_wav(folder / "tone.wav", seconds=2.0)),
    )
    job = runtime.service.submit("ausynclab", "nova", inputs)
    assert job.provider_job_id is not None and not job.is_final
    return job


def given_callback_url(runtime: Runtime, job: Job) -> str:
    """The callback address AusyncLab (the sandbox) was given for ``job``, as the sandbox keeps
    it in its state file."""
    assert runtime.sandbox is not None
    runtime.sandbox.state.save()
    state = json.loads((runtime.settings.data_dir / "sandbox" / "state.json").read_text())
    videos = state["stores"]["ausynclab"]
    for item in [*videos["generated"], *videos["registered"]]:
        if str(item["id"]) == job.provider_job_id:
            return item["callback_url"]
    raise AssertionError(f"the sandbox has no video {job.provider_job_id}")


def forged(job: Job, credits: str) -> bytes:
    video_id = job.provider_job_id
    return (
        f'{{"video_id": {video_id}, "video_url": null, "credits_used": {credits}, '
        '"status": "COMPLETED", "message": "done"}'
    ).encode()


@pytest.mark.parametrize(
    ("where", "credits"),
    [
        ("documented address", "1e999"),
        ("documented address", "NaN"),
        ("documented address", "-5"),
        ("the job's own address", "1e999"),
        ("the job's own address", "25000"),
    ],
)
def test_a_forged_callback_neither_breaks_the_history_nor_sets_a_cost(
    runtime: Runtime, where: str, credits: str
) -> None:
    """Posted as JSON with a known video id: refused, and history(), refresh_due() and the
    job's cost stay as they were (today one such post breaks every read, even after a restart).
    The job's own address takes only in-range credits, so from there 25000 is accepted."""
    job = running_nova(runtime)
    own = given_callback_url(runtime, job)
    url = runtime.receiver.callback_url if where == "documented address" else own
    answer = requests.post(
        url, data=forged(job, credits), headers={"Content-Type": "application/json"}, timeout=10
    )
    accepted = where == "the job's own address" and credits == "25000"
    assert answer.status_code == (200 if accepted else 403 if url != own else 422)
    runtime.service.refresh_due(download=False)
    page = runtime.service.history()
    assert [j.id for j in page.jobs] == [job.id]
    after = runtime.service.get(job.id)
    assert after.reported_credits == ({"generation": 25_000.0} if accepted else {})
    assert after.cost_used is None and not after.is_final


def test_the_address_given_to_ausynclab_is_the_jobs_own_under_the_receiver(runtime: Runtime):
    """``<receiver>/callbacks/ausynclab/<job id>/<64 hex digits>``, one per job."""
    first, second = running_nova(runtime), running_nova(runtime)
    base = runtime.receiver.callback_url
    urls = [given_callback_url(runtime, job) for job in (first, second)]
    for job, url in zip((first, second), urls, strict=True):
        prefix, token = url.rsplit("/", 1)
        assert prefix == f"{base}/{job.id}" and len(token) == 64 and int(token, 16) >= 0
    assert urls[0] != urls[1]


def test_a_malformed_callback_is_refused_without_a_crash(runtime: Runtime) -> None:
    """At a job's own address a body that is not an AusyncLab callback gets a 4xx, and the
    server keeps serving."""
    url = given_callback_url(runtime, running_nova(runtime))
    json_type = {"Content-Type": "application/json"}
    assert requests.post(url, data=b"{not json", headers=json_type, timeout=5).status_code == 400
    assert requests.post(url, json={"video_id": "x"}, timeout=5).status_code == 422
    assert requests.get(f"{runtime.receiver.base_url}/healthz", timeout=5).status_code == 200

"""The dashboard's runtime: uploads served to providers, AusyncLab callbacks received."""

from __future__ import annotations

import math
import time

import requests

from lipsync_core.flows.model import CostUnit, JobInputs
from lipsync_core.flows.sources import uploads_dir
from lipsync_core.media import probe


def test_uploads_are_served_for_providers_to_fetch(runtime, sample_video_path):
    """A file in <data_dir>/uploads/ is served by the receiver at /uploads/<name>."""
    folder = uploads_dir(runtime.settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clip.mp4").write_bytes(sample_video_path.read_bytes())
    answer = requests.get(f"{runtime.receiver.base_url}/uploads/clip.mp4", timeout=5)
    assert (answer.status_code, answer.content) == (200, sample_video_path.read_bytes())
    assert answer.headers["content-type"] == "video/mp4"


def test_a_sandbox_callback_reports_the_credits_used(runtime, sample_audio_path):
    """AusyncLab's callback (sent by the sandbox) makes the job's cost reported, not estimated."""
    sandbox = runtime.sandbox
    inputs = JobInputs(
        video_url=f"{sandbox.base_url}/samples/face.mp4",
        audio_url=f"{sandbox.base_url}/samples/speech.wav",
    )
    job = runtime.service.submit("ausynclab", "nova", inputs)
    assert runtime.service.callback_url == runtime.receiver.callback_url
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sandbox.clock.advance(1.0)
        sandbox.wait_idle(timeout=30)
        runtime.service.refresh_due(download=False)
        cost = runtime.service.get(job.id).cost_used
        if cost is not None and not cost.estimated:
            break
        time.sleep(0.1)
    seconds = math.ceil(probe(sample_audio_path).audio_duration)
    assert cost.unit is CostUnit.CREDITS and not cost.estimated
    assert cost.amount == seconds * 5000

"""``python -m ui.serve`` (what ``make run`` runs) follows jobs before anyone opens a page."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from lipsync_core.config import load_settings
from lipsync_core.jobs import JobInputs, JobService, JobState
from lipsync_core.sandbox.shared import SharedSandbox
from lipsync_core.worker import sandbox_config

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_dashboard_follows_a_job_to_its_copied_result_with_no_page_open(
    tmp_path: Path, sample_video_path: Path, sample_audio_path: Path
) -> None:
    """Started, never visited: a job sent to its database is checked, finished and copied."""
    port = free_port()
    data = tmp_path / "data"
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LIPSYNC_")},
        "LIPSYNC_SANDBOX": "on", "LIPSYNC_DATA_DIR": str(data),
        "LIPSYNC_SANDBOX_JOB_SECONDS": "1", "LIPSYNC_RECEIVER_PORT": "0",
    }  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ui.serve", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO, env=environ, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "history" not in log.read_text() or not healthy(port):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        settings = load_settings(environ, secrets_path=None)
        sandbox = SharedSandbox(sandbox_config(settings), data / "sandbox").start()
        assert sandbox.server is None, "the dashboard process runs the sandbox"
        service = JobService.from_settings(settings, sandbox_base_urls=sandbox.base_urls)
        uploads = data / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        samples = (sample_video_path, sample_audio_path)
        video, audio = (uploads / p.name for p in samples)
        for source, target in zip(samples, (video, audio), strict=True):
            target.write_bytes(source.read_bytes())
        job = service.submit("twinsync", "videotalking",
                             JobInputs(video_path=str(video), audio_path=str(audio)))  # fmt: skip
        while not (done := service.get(job.id)).output_path:
            assert time.monotonic() < deadline + 120, done
            time.sleep(0.25)
        assert done.state is JobState.SUCCEEDED and Path(done.output_path).is_file()
        service.close()
        sandbox.stop()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).ok
    except requests.RequestException:
        return False

"""``python -m lipsync_core.sandbox`` prints its three base URLs, serves, and stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from .support import TinyMedia

REPO = Path(__file__).resolve().parents[2]


def start_cli(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The sandbox CLI in a process, and the base URLs of its three printed lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lipsync_core.sandbox", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline().split() for _ in range(3)]
    assert [line[0] for line in lines if line] == ["ausynclab", "kling", "twinsync"]
    return process, dict(lines)


def stop_cli(process: subprocess.Popen[str], stop: int = signal.SIGTERM) -> None:
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_cli_prints_one_line_per_provider_and_serves_until_stopped(stop: int) -> None:
    """Three `<provider> <base_url>` lines, a working API behind them, a clean exit on a signal."""
    process, urls = start_cli("--job-seconds", "0.5")
    try:
        assert urls["ausynclab"].endswith("/ausynclab/api/v1/lipsync")
        response = requests.get(urls["twinsync"] + "/videotalking", timeout=10)
        assert response.json()["result_code"] == 200
        refused = requests.get(urls["ausynclab"] + "/register", timeout=10)
        assert refused.status_code == 403
    finally:
        stop_cli(process, stop)


def test_the_cli_keeps_its_tasks_in_a_state_file_across_restarts(
    tmp_path: Path, tiny: TinyMedia
) -> None:
    """With --state-file alone, a task sent to one run is known to the next; files sit beside it."""
    state_file = tmp_path / "state.json"
    process, urls = start_cli("--job-seconds", "60", "--state-file", str(state_file))
    try:
        form = {"audio_url": tiny.audio_url, "video_url": tiny.video_url, "key": "sandbox"}
        submitted = requests.post(urls["twinsync"] + "/videotalking", data=form, timeout=10)
        task_id = submitted.json()["task_id"]
    finally:
        stop_cli(process)
    assert state_file.is_file() and (tmp_path / "inputs").is_dir()
    process, urls = start_cli("--state-file", str(state_file))
    try:
        params = {"taskID": task_id}
        status = requests.get(urls["twinsync"] + "/videotalking", params=params, timeout=10)
        assert status.json()["result_code"] in (101, 102)
    finally:
        stop_cli(process)

"""``python -m lipsync_core.sandbox`` prints its three base URLs, serves, and stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_cli_prints_one_line_per_provider_and_serves_until_stopped(stop: int) -> None:
    """Three `<provider> <base_url>` lines, a working API behind them, a clean exit on a signal."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lipsync_core.sandbox", "--port", "0", "--job-seconds", "0.5"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().split() for _ in range(3)]
        urls = dict(lines)
        assert [name for name, _ in lines] == ["ausynclab", "kling", "twinsync"]
        assert urls["ausynclab"].endswith("/ausynclab/api/v1/lipsync")
        response = requests.get(urls["twinsync"] + "/videotalking", timeout=10)
        assert response.json()["result_code"] == 200
        refused = requests.get(urls["ausynclab"] + "/register", timeout=10)
        assert refused.status_code == 403
    finally:
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr

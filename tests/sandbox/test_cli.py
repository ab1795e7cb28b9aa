"""``python -m lipsync_core.sandbox`` prints its three base URLs, serves, and stops on SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import requests

from .support import TinyMedia, start_cli, stop_cli


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


def _wait_for_status(url: str, task_id: str, codes: set[int], seconds: float = 60) -> dict:
    """Poll a TwinSync status until its code is one of ``codes`` (or the time runs out)."""
    deadline = time.monotonic() + seconds
    answer: dict = {}
    while time.monotonic() < deadline:
        answer = requests.get(url, params={"taskID": task_id}, timeout=10).json()
        if answer["result_code"] in codes:
            return answer
        time.sleep(0.2)
    return answer


@pytest.mark.parametrize(("switch", "code"), [((), 100), (("--twinsync-success-code", "103"), 103)])
def test_the_twinsync_success_code_is_chosen_on_the_command_line(
    tiny: TinyMedia, switch: tuple[str, ...], code: int
) -> None:
    """By default a finished task is 100 with result_url (the document's example); 103 if asked."""
    process, urls = start_cli("--job-seconds", "0.2", *switch)
    try:
        form = {"audio_url": tiny.audio_url, "video_url": tiny.video_url, "key": "sandbox"}
        url = urls["twinsync"] + "/videotalking"
        task_id = requests.post(url, data=form, timeout=10).json()["task_id"]
        done = _wait_for_status(url, task_id, {100, 103, 104})
    finally:
        stop_cli(process)
    assert done["result_code"] == code
    assert done["result_url"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    ("switch", "status"), [((), 404), (("--ausynclab-empty-list", "200"), 200)]
)
def test_ausynclabs_empty_list_answer_is_chosen_on_the_command_line(
    switch: tuple[str, ...], status: int
) -> None:
    """An empty list is a 404, as AusyncLab's document lists, or a 200 with [] if asked."""
    process, urls = start_cli(*switch)
    try:
        headers = {"X-API-Key": "sandbox"}
        answers = [
            requests.get(urls["ausynclab"] + path, headers=headers, timeout=10)
            for path in ("/register", "/generate")
        ]
    finally:
        stop_cli(process)
    assert [answer.status_code for answer in answers] == [status, status]
    if status == 200:
        assert [answer.json() for answer in answers] == [{"status": 200, "result": []}] * 2

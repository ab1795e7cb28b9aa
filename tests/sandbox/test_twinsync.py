"""The TwinSync emulator answers raw HTTP exactly as TwinSync's document describes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from lipsync_core.sandbox import SandboxConfig, SandboxServer

from .support import TinyMedia

TASK_ID = re.compile(r"^\d{8}_\d\d_\d\d_\d\d_\d{5}$")
QUEUED = "SUCCESS! The video is currently in the queue waiting to be processed."
UNKNOWN = "taskID field is missing or the field is not in the service queue."


def submit(server: SandboxServer, **form: str) -> dict[str, Any]:
    url = server.base_urls["twinsync"] + "/videotalking"
    response = requests.post(url, data=form, timeout=10)
    assert response.status_code == 200
    return response.json()


def status(server: SandboxServer, task_id: str | None) -> dict[str, Any]:
    params = {} if task_id is None else {"taskID": task_id}
    url = server.base_urls["twinsync"] + "/videotalking"
    response = requests.get(url, params=params, timeout=10)
    assert response.status_code == 200
    return response.json()


def media_form(tiny: TinyMedia, key: str = "sandbox") -> dict[str, str]:
    return {"audio_url": tiny.audio_url, "video_url": tiny.video_url, "key": key}


def test_a_task_is_queued_then_waits_runs_and_completes(
    sandbox: SandboxServer, tiny: TinyMedia
) -> None:
    """POST queues (100); GET says waiting (101), running (102), then done with a URL.

    Done is 100 with ``result_url`` by default, as the document's own example answers it.
    """
    answer = submit(sandbox, **media_form(tiny))
    assert set(answer) == {"task_id", "result_code", "msg"}
    assert answer["result_code"] == 100 and answer["msg"] == QUEUED
    task_id = answer["task_id"]
    assert TASK_ID.match(task_id)
    assert status(sandbox, task_id)["result_code"] == 101
    sandbox.clock.advance(0.3)
    assert status(sandbox, task_id)["result_code"] == 102
    assert sandbox.wait_idle(30)
    sandbox.clock.advance(1)
    done = status(sandbox, task_id)
    assert set(done) == {"result_url", "result_code", "msg"}
    assert done["result_code"] == 100
    assert done["msg"] == (
        f"taskID:{task_id} has been completed, and the output video url is: {done['result_url']}"
    )
    output = requests.get(done["result_url"], timeout=10)
    assert output.status_code == 200 and output.content[4:8] == b"ftyp"


@pytest.fixture
def status_table_server() -> Iterator[SandboxServer]:
    config = SandboxConfig(job_seconds=0.0, twinsync_success_code=103)
    with SandboxServer(config) as server:
        yield server
        assert not server.errors


def test_success_can_be_reported_as_the_status_table_does(
    status_table_server: SandboxServer, tiny: TinyMedia
) -> None:
    """With twinsync_success_code=103 a finished task reports 103, as the status table lists."""
    task_id = submit(status_table_server, **media_form(tiny))["task_id"]
    assert status_table_server.wait_idle(30)
    done = status(status_table_server, task_id)
    assert done["result_code"] == 103 and done["result_url"]


@pytest.mark.parametrize("task_id", [None, "", "20230423_11_23_05_10279"])
def test_a_missing_or_unknown_task_id_is_code_200(sandbox: SandboxServer, task_id: str) -> None:
    """GET without taskID, or with one not in the queue, answers result_code 200."""
    assert status(sandbox, task_id) == {"result_code": 200, "msg": UNKNOWN}


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"key": "wrong"}, 201),
        ({"key": None}, 201),
        ({"audio_url": None}, 200),
        ({"video_url": ""}, 200),
        ({"audio_url": "ftp://example.com/a.wav"}, 202),
        ({"video_url": "file:///no/such/video.mp4"}, 202),
    ],
)
def test_submission_errors_are_http_200_with_a_result_code(
    sandbox: SandboxServer, tiny: TinyMedia, form: dict[str, str | None], code: int
) -> None:
    """Bad key 201, missing parameter 200, unusable media URL 202 — all with HTTP 200."""
    fields = {k: v for k, v in {**media_form(tiny), **form}.items() if v is not None}
    answer = submit(sandbox, **fields)
    assert set(answer) == {"result_code", "msg"} and answer["result_code"] == code


def test_an_unreachable_http_media_url_is_code_202(sandbox: SandboxServer, tiny: TinyMedia) -> None:
    """A video URL answering 404 is refused at submission with 202."""
    missing = sandbox.base_url + "/samples/no-such-video.mp4"
    answer = submit(sandbox, **{**media_form(tiny), "video_url": missing})
    assert answer["result_code"] == 202
    assert "HTTP 404" in answer["msg"]


def test_a_failed_task_reports_104(sandbox: SandboxServer, tiny: TinyMedia) -> None:
    """A job told to fail ends with result_code 104 and a reason."""
    sandbox.add_fault("twinsync", "POST", "/videotalking$", "fail_job")
    task_id = submit(sandbox, **media_form(tiny))["task_id"]
    sandbox.clock.advance(1)
    failed = status(sandbox, task_id)
    assert failed["result_code"] == 104 and failed["msg"].startswith(f"taskID:{task_id} has failed")

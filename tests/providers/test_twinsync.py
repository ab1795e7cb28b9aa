"""TwinSyncClient against the sandbox over real HTTP: form submit, status codes, lifecycle."""

from __future__ import annotations

import pytest

from lipsync_core import TwinSyncClient
from lipsync_core.errors import AuthenticationError, InvalidRequestError, NotFoundError
from lipsync_core.providers.twinsync import TwinSyncState
from lipsync_core.sandbox import SandboxConfig, SandboxServer


@pytest.fixture
def client(sandbox) -> TwinSyncClient:
    return TwinSyncClient("sandbox", sandbox.base_urls["twinsync"], timeout=10)


def _urls(sandbox) -> tuple[str, str]:
    return f"{sandbox.base_url}/samples/speech.wav", f"{sandbox.base_url}/samples/face.mp4"


def test_submit_is_a_form_post_with_the_key_field(sandbox, client):
    """The submit carries audio_url, video_url and key as form fields."""
    task_id = client.submit(*_urls(sandbox))
    assert task_id
    (record,) = [r for r in sandbox.requests("twinsync") if r.method == "POST"]
    assert set(record.body_keys) == {"audio_url", "video_url", "key"}


@pytest.mark.parametrize("success_code", [103, 100])
def test_lifecycle_to_success_with_either_success_code(success_code):
    """Waiting/running, then success reported as 103 or (as the document's example) 100."""
    config = SandboxConfig(job_seconds=1.0, twinsync_success_code=success_code)
    with SandboxServer(config) as server:
        client = TwinSyncClient("sandbox", server.base_urls["twinsync"], timeout=10)
        task_id = client.submit(*_urls(server))
        assert client.get_status(task_id).state in (TwinSyncState.WAITING, TwinSyncState.RUNNING)
        server.clock.advance(2)
        assert server.wait_idle(timeout=60)
        task = client.get_status(task_id)
        assert not server.errors
    assert (task.state, task.code) == (TwinSyncState.SUCCEEDED, success_code)
    assert task.result_url.startswith(server.base_url)


def test_failed_job_reports_failed(sandbox, client):
    """A job the sandbox is told to fail ends in the failed state with TwinSync's message."""
    sandbox.add_fault("twinsync", "POST", r"/videotalking", "fail_job")
    task_id = client.submit(*_urls(sandbox))
    sandbox.clock.advance(2)
    assert sandbox.wait_idle(timeout=60)
    task = client.get_status(task_id)
    assert (task.state, task.code) == (TwinSyncState.FAILED, 104)


def test_unknown_task_is_not_found(sandbox, client):
    """Status 200 (not in the queue) becomes NotFoundError."""
    with pytest.raises(NotFoundError):
        client.get_status("20230423_11_23_05_99999")


def test_bad_media_url_is_invalid_request(sandbox, client):
    """An unreachable media address is code 202."""
    with pytest.raises(InvalidRequestError) as caught:
        client.submit("not a url", "also not")
    assert caught.value.provider_code in (200, 202)


def test_wrong_key_is_code_201(sandbox):
    """A wrong key is TwinSync's code 201, an AuthenticationError."""
    client = TwinSyncClient("wrong", sandbox.base_urls["twinsync"])
    with pytest.raises(AuthenticationError) as caught:
        client.submit(*_urls(sandbox))
    assert caught.value.provider_code == 201

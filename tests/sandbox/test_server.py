"""The server wrapper: real ports, request log, reset, admin endpoints, files, surfaced errors."""

from __future__ import annotations

import pytest
import requests

from lipsync_core.sandbox import SandboxConfig, SandboxServer
from lipsync_core.sandbox.state import INTERNAL_FAILURE, SandboxState

from .support import TinyMedia

AUSYNCLAB_KEY = {"X-API-Key": "sandbox"}


def test_base_urls_are_path_prefixed_on_one_real_port(sandbox: SandboxServer) -> None:
    """One server, three base URLs under it; port 0 became a real port."""
    assert sandbox.port > 0
    assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}"
    assert sandbox.base_urls == {
        "ausynclab": f"{sandbox.base_url}/ausynclab/api/v1/lipsync",
        "kling": f"{sandbox.base_url}/kling",
        "twinsync": f"{sandbox.base_url}/twinsync",
    }


def test_every_request_is_logged_with_body_keys_but_no_values(
    sandbox: SandboxServer, tiny: TinyMedia
) -> None:
    """The log keeps provider, method, path, query, body keys and status; never the key's value."""
    requests.get(sandbox.base_urls["ausynclab"] + "/register", headers=AUSYNCLAB_KEY, timeout=10)
    twinsync = sandbox.base_urls["twinsync"] + "/videotalking"
    form = {"audio_url": tiny.audio_url, "video_url": tiny.video_url, "key": "secret-value"}
    requests.post(twinsync, data=form, timeout=10)
    requests.get(twinsync, params={"taskID": "abc", "key": "secret-value"}, timeout=10)
    assert len(sandbox.requests()) == 3
    assert [r.status for r in sandbox.requests("ausynclab")] == [404]
    post, get = sandbox.requests("twinsync")
    assert (post.method, post.path, post.body_keys) == (
        "POST",
        "/twinsync/videotalking",
        ("audio_url", "video_url", "key"),
    )
    assert get.query == "taskID=abc&key=%2A%2A%2A"
    assert "secret-value" not in repr(sandbox.requests())


def test_json_body_keys_are_logged(sandbox: SandboxServer) -> None:
    """A JSON body's top-level keys are logged, in order."""
    url = sandbox.base_urls["ausynclab"] + "/register-video"
    requests.post(url, json={"name": "n", "video_url": "ftp://x"}, headers=AUSYNCLAB_KEY)
    [record] = sandbox.requests("ausynclab")
    assert record.body_keys == ("name", "video_url") and record.status == 404


def test_reset_forgets_jobs_faults_and_the_log(sandbox: SandboxServer, tiny: TinyMedia) -> None:
    """After reset() no job, fault or logged request remains; the server keeps serving."""
    url = sandbox.base_urls["ausynclab"]
    requests.post(
        url + "/register-video", json={"video_url": tiny.video_url}, headers=AUSYNCLAB_KEY
    )
    sandbox.add_fault("ausynclab", "GET", "", "html_500")
    assert sandbox.wait_idle(30)
    sandbox.reset()
    assert sandbox.requests() == [] and sandbox.state.faults.pending() == []
    response = requests.get(url + "/register", headers=AUSYNCLAB_KEY, timeout=10)
    assert response.status_code == 404


def test_the_admin_endpoints_reset_advance_and_list(sandbox: SandboxServer) -> None:
    """/_sandbox/ lists requests, advances the clock and resets, without a key or a log line."""
    requests.get(sandbox.base_urls["twinsync"] + "/videotalking", timeout=10)
    admin = sandbox.base_url + "/_sandbox"
    listed = requests.get(admin + "/requests", params={"provider": "twinsync"}, timeout=10).json()
    assert [(r["method"], r["status"]) for r in listed] == [("GET", 200)]
    before = sandbox.clock.now()
    moved = requests.post(admin + "/clock/advance", json={"seconds": 100}, timeout=10).json()
    assert moved["now"] >= before + 100
    assert requests.post(admin + "/reset", timeout=10).json() == {"ok": True}
    assert requests.get(admin + "/requests", timeout=10).json() == []


def test_the_clock_never_moves_back(sandbox: SandboxServer) -> None:
    """advance() refuses a negative step, over Python and over HTTP."""
    with pytest.raises(ValueError):
        sandbox.clock.advance(-1)
    response = requests.post(
        sandbox.base_url + "/_sandbox/clock/advance", json={"seconds": -1}, timeout=10
    )
    assert response.status_code == 422


def test_shipped_samples_are_served(sandbox: SandboxServer, sample_video_path) -> None:
    """/samples/<name> serves the repository's samples folder."""
    response = requests.get(sandbox.base_url + "/samples/face.mp4", timeout=10)
    assert response.status_code == 200
    assert response.content == sample_video_path.read_bytes()


def test_worker_exceptions_are_surfaced_and_fail_the_job() -> None:
    """An unexpected exception in a worker lands in errors; its job fails with a plain reason."""
    with SandboxServer(SandboxConfig(job_seconds=0)) as server:
        state: SandboxState = server.state
        job = state.new_job()

        def broken_render() -> None:
            raise TypeError("a bug in the renderer")

        state.start_job(job, broken_render)
        assert server.wait_idle(10)
        assert [type(e) for e in server.errors] == [TypeError]
        assert job.error == INTERNAL_FAILURE


def test_a_stopped_server_refuses_connections() -> None:
    """Leaving the context manager stops serving and frees the port."""
    with SandboxServer() as server:
        url = server.base_url + "/"
        assert requests.get(url, timeout=10).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)

"""Injected faults change exactly the matching requests, the way each fault kind promises."""

from __future__ import annotations

import time

import pytest
import requests

from lipsync_core.sandbox import SandboxServer

from .support import TinyMedia

AUSYNCLAB_KEY = {"X-API-Key": "sandbox"}


def list_registered(server: SandboxServer, timeout: float = 10) -> requests.Response:
    url = server.base_urls["ausynclab"] + "/register"
    return requests.get(url, headers=AUSYNCLAB_KEY, timeout=timeout)


def kling_task(server: SandboxServer) -> requests.Response:
    url = server.base_urls["kling"] + "/klingai/v1/videos/advanced-lip-sync/nope"
    return requests.get(url, headers={"Authorization": "Bearer sandbox"}, timeout=10)


def twinsync_status(server: SandboxServer) -> requests.Response:
    url = server.base_urls["twinsync"] + "/videotalking"
    return requests.get(url, params={"taskID": "x"}, timeout=10)


CALLS = {"ausynclab": list_registered, "kling": kling_task, "twinsync": twinsync_status}


def test_latency_delays_the_real_answer(sandbox: SandboxServer) -> None:
    """A latency fault sleeps, then the API answers as usual."""
    sandbox.add_fault("ausynclab", "GET", "/register$", "latency", latency=0.4)
    started = time.monotonic()
    response = list_registered(sandbox)
    assert time.monotonic() - started >= 0.4
    assert response.status_code == 404 and response.json() == {
        "detail": "No registered videos found"
    }


def test_latency_beyond_the_clients_timeout_is_a_read_timeout(sandbox: SandboxServer) -> None:
    """A client with a shorter read timeout than the latency sees a timeout."""
    sandbox.add_fault("ausynclab", "GET", "/register$", "latency", latency=1.0)
    with pytest.raises(requests.ReadTimeout):
        list_registered(sandbox, timeout=0.3)


@pytest.mark.parametrize(
    ("provider", "shape"),
    [
        ("ausynclab", {"detail": "Too Many Requests"}),
        ("kling", {"code": 1302, "data": None}),
        ("twinsync", {"result_code": 203}),
    ],
)
def test_status_429_carries_retry_after_and_the_providers_own_body(
    sandbox: SandboxServer, provider: str, shape: dict[str, object]
) -> None:
    """429 with Retry-After and each provider's envelope; the next request is normal again."""
    sandbox.add_fault(provider, "*", "", "status_429", retry_after=2)
    limited = CALLS[provider](sandbox)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert shape.items() <= limited.json().items()
    assert CALLS[provider](sandbox).status_code != 429


def test_status_429_without_retry_after_sends_no_header(sandbox: SandboxServer) -> None:
    """retry_after=None leaves the Retry-After header out."""
    sandbox.add_fault("ausynclab", "GET", "", "status_429")
    response = list_registered(sandbox)
    assert response.status_code == 429 and "Retry-After" not in response.headers


@pytest.mark.parametrize(("kind", "status"), [("html_500", 500), ("html_502", 502)])
def test_html_errors_are_nginx_pages(sandbox: SandboxServer, kind: str, status: int) -> None:
    """html_500/html_502 answer an HTML error page like nginx's, not JSON."""
    sandbox.add_fault("kling", "GET", "advanced-lip-sync", kind)
    response = kling_task(sandbox)
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html"
    assert f"<h1>{status} " in response.text and "nginx" in response.text


@pytest.mark.parametrize("provider", ["ausynclab", "kling", "twinsync"])
def test_malformed_json_is_a_200_with_a_cut_off_body(sandbox: SandboxServer, provider: str) -> None:
    """malformed_json answers 200, application/json, and a body that does not parse."""
    sandbox.add_fault(provider, "GET", "", "malformed_json")
    response = CALLS[provider](sandbox)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_drop_connection_closes_the_socket_without_an_answer(sandbox: SandboxServer) -> None:
    """The client sees a connection error; the request is logged with no status."""
    sandbox.add_fault("twinsync", "GET", "/videotalking", "drop_connection")
    with pytest.raises(requests.ConnectionError):
        twinsync_status(sandbox)
    record = sandbox.requests("twinsync")[-1]
    assert (record.status, record.fault) == (None, "drop_connection")
    assert twinsync_status(sandbox).json()["result_code"] == 200


def test_a_fault_applies_count_times_then_stops(sandbox: SandboxServer) -> None:
    """count=2 changes two matching requests and no more."""
    sandbox.add_fault("ausynclab", "GET", "/register$", "html_502", count=2)
    statuses = [list_registered(sandbox).status_code for _ in range(3)]
    assert statuses == [502, 502, 404]


def test_a_fault_only_hits_its_provider_method_and_path(sandbox: SandboxServer) -> None:
    """Other providers, methods and paths are untouched by a fault."""
    sandbox.add_fault("ausynclab", "POST", "/register-video$", "html_500")
    assert list_registered(sandbox).status_code == 404
    assert twinsync_status(sandbox).status_code == 200
    assert [f.kind for f in sandbox.state.faults.pending()] == ["html_500"]


def test_fail_job_fails_the_next_job_created_not_a_rejected_request(
    sandbox: SandboxServer, tiny: TinyMedia
) -> None:
    """A request refused before a job exists does not use up a fail_job fault."""
    sandbox.add_fault("ausynclab", "POST", "generate-lipsync-v2", "fail_job")
    url = sandbox.base_urls["ausynclab"] + "/generate-lipsync-v2"
    refused = requests.post(
        url, json={"video_url": tiny.video_url}, headers=AUSYNCLAB_KEY, timeout=10
    )
    assert refused.status_code == 422
    body = {"video_url": tiny.video_url, "audio_url": tiny.audio_url}
    ids = [
        requests.post(url, json=body, headers=AUSYNCLAB_KEY, timeout=10).json()["result"][
            "video_id"
        ]
        for _ in range(2)
    ]
    assert sandbox.wait_idle(30)
    sandbox.clock.advance(1)
    states = [
        requests.get(
            sandbox.base_urls["ausynclab"] + f"/generate/{i}", headers=AUSYNCLAB_KEY, timeout=10
        ).json()["result"]["state"]
        for i in ids
    ]
    assert states == ["FAILED", "COMPLETED"]


def test_faults_can_be_added_and_cleared_over_http(sandbox: SandboxServer) -> None:
    """POST /_sandbox/faults adds a fault, DELETE /_sandbox/faults clears them."""
    admin = sandbox.base_url + "/_sandbox/faults"
    spec = {
        "provider": "ausynclab",
        "method": "GET",
        "path_regex": "/register$",
        "kind": "html_500",
    }
    assert requests.post(admin, json=spec, timeout=10).status_code == 201
    assert requests.post(admin, json={**spec, "kind": "teapot"}, timeout=10).status_code == 422
    assert list_registered(sandbox).status_code == 500
    requests.post(admin, json=spec, timeout=10)
    assert requests.delete(admin, timeout=10).json() == {"ok": True}
    assert list_registered(sandbox).status_code == 404

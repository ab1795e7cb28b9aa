"""Transport: safe retries, timeouts, unreachable hosts, and keys that never leak."""

from __future__ import annotations

import logging
import re
import socket
import time
import traceback

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lipsync_core import AusyncLabClient, KlingClient, TwinSyncClient
from lipsync_core.errors import (
    LipsyncError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
)
from lipsync_core.http import RetryPolicy
from tests.providers.conftest import FAST_RETRY, SENTINEL_KEY

AUSYNC = "/api/v1/lipsync"
ANY = re.compile(r".*")


def _requests_to(httpserver: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == path)


def test_get_is_retried_on_503_then_succeeds(httpserver: HTTPServer, ausynclab_scripted):
    """A GET that meets a 503 is sent again and the later success is returned."""
    path = f"{AUSYNC}/register/1"
    httpserver.expect_ordered_request(path).respond_with_data("busy", status=503)
    httpserver.expect_ordered_request(path).respond_with_json(
        {"status": 200, "result": {"id": 1, "state": "COMPLETED"}}
    )
    assert ausynclab_scripted.get_registered_video(1).id == 1
    assert _requests_to(httpserver, path) == 2


def test_get_honours_retry_after_on_429_and_gives_up_with_rate_limit(
    httpserver: HTTPServer, ausynclab_scripted
):
    """A persistent 429 is retried a bounded number of times, then becomes RateLimitError."""
    path = f"{AUSYNC}/generate"
    httpserver.expect_request(path).respond_with_json(
        {"detail": "slow down"}, status=429, headers={"Retry-After": "0"}
    )
    with pytest.raises(RateLimitError) as caught:
        ausynclab_scripted.list_generated_videos()
    assert caught.value.retry_after == 0
    assert _requests_to(httpserver, path) == FAST_RETRY.attempts + 1


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_post_is_never_retried(httpserver: HTTPServer, ausynclab_scripted, status):
    """A POST that creates a paid job is sent exactly once, whatever the server answers."""
    path = f"{AUSYNC}/generate-lipsync-v2"
    httpserver.expect_request(path, method="POST").respond_with_data("no", status=status)
    with pytest.raises(LipsyncError):
        ausynclab_scripted.generate_lipsync_v2("https://x/v.mp4", "https://x/a.wav")
    assert _requests_to(httpserver, path) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("client_class", [AusyncLabClient, KlingClient, TwinSyncClient])
def test_connection_refused_is_unavailable_with_a_plain_message(client_class):
    """Nobody listening becomes ProviderUnavailableError: the provider could not be reached."""
    client = client_class(SENTINEL_KEY, f"http://127.0.0.1:{_closed_port()}", retry=FAST_RETRY)
    with pytest.raises(ProviderUnavailableError, match="could not be reached"):
        _a_get(client)


def test_slow_answer_is_a_timeout_that_is_also_a_timeouterror(httpserver: HTTPServer):
    """A server slower than the timeout gives ProviderTimeoutError, a TimeoutError too."""

    def slow(_request):
        time.sleep(1.0)

    httpserver.expect_request("/videotalking").respond_with_handler(slow)
    client = TwinSyncClient(
        SENTINEL_KEY,
        httpserver.url_for(""),
        timeout=0.2,
        retry=RetryPolicy(attempts=0),
    )
    with pytest.raises(ProviderTimeoutError) as caught:
        client.get_status("t1")
    assert isinstance(caught.value, TimeoutError)
    assert "did not answer in time" in str(caught.value)


def _a_get(client):
    if isinstance(client, AusyncLabClient):
        return client.list_generated_videos()
    if isinstance(client, KlingClient):
        return client.get_lip_sync("t1")
    return client.get_status("t1")


def _a_post(client):
    if isinstance(client, AusyncLabClient):
        return client.register_video("https://x/v.mp4")
    if isinstance(client, KlingClient):
        return client.identify_face("https://x/v.mp4")
    return client.submit("https://x/a.wav", "https://x/v.mp4")


def _echo_key_everywhere(request):
    """A hostile server that repeats the key in every part of its answer."""
    key = SENTINEL_KEY
    body = (
        f'{{"detail": "bad key {key}", "message": "bad key {key}", "code": 1000, '
        f'"msg": "bad key {key}", "result_code": 201}}'
    )
    return Response(body, status=401, headers={"X-Echo": key}, content_type="application/json")


FAILING_PATHS = ["echo_401", "html_500", "refused", "timeout"]


@pytest.mark.parametrize("client_class", [AusyncLabClient, KlingClient, TwinSyncClient])
@pytest.mark.parametrize("path", FAILING_PATHS)
@pytest.mark.parametrize("call", [_a_get, _a_post])
def test_the_key_never_leaks(httpserver: HTTPServer, caplog, client_class, path, call):
    """Across every failing path, the key is in no message, repr, chained exception or log."""
    caplog.set_level(logging.DEBUG)
    base_url = httpserver.url_for("")
    timeout = 2.0
    if path == "echo_401":
        httpserver.expect_request(ANY).respond_with_handler(_echo_key_everywhere)
    elif path == "html_500":
        httpserver.expect_request(ANY).respond_with_data(
            f"<html><title>Error {SENTINEL_KEY}</title></html>",
            status=500,
            content_type="text/html",
        )
    elif path == "refused":
        base_url = f"http://127.0.0.1:{_closed_port()}"
    else:
        httpserver.expect_request(ANY).respond_with_handler(lambda _r: time.sleep(0.5))
        timeout = 0.1
    client = client_class(SENTINEL_KEY, base_url, timeout=timeout, retry=FAST_RETRY)
    with pytest.raises(LipsyncError) as caught:
        call(client)
    error = caught.value
    rendered = "".join(traceback.format_exception(error))
    for text in (str(error), repr(error), rendered, repr(client), caplog.text):
        assert SENTINEL_KEY not in text
    for name in ("provider_message", "request_id"):
        assert SENTINEL_KEY not in str(getattr(error, name, ""))


@pytest.mark.parametrize(
    ("client_class", "default"),
    [
        (AusyncLabClient, "https://api.ausynclab.io/api/v1/lipsync"),
        (KlingClient, "https://api.302.ai"),
        (TwinSyncClient, "http://api.twinsync.xyz:27323"),
    ],
)
def test_clients_default_to_the_documented_base_url_and_never_show_the_key(client_class, default):
    """Without a base URL each client uses its document's address; its repr hides the key."""
    client = client_class(SENTINEL_KEY)
    assert client.base_url == default
    assert repr(client) == f"{client_class.__name__}(base_url={default!r})"

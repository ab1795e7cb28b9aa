"""Transport: safe retries, timeouts, unreachable hosts, and keys that never leak."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
import traceback
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lipsync_core import AusyncLabClient, KlingClient, TwinSyncClient
from lipsync_core.errors import (
    AuthenticationError,
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


# A second key with characters that URL-encoding changes, so its quoted forms differ from it.
ODD_KEY = "sk+SENTINEL/7f3a9c=do not~leak"
KEY_VARIANTS: dict[str, Callable[[str], str]] = {
    "as-sent": lambda key: key,
    "upper-case": str.upper,
    "lower-case": str.lower,
    "quoted": lambda key: quote(key, safe=""),
    "quoted-path": quote,
    "quote-plus": quote_plus,
    "quoted-upper-case": lambda key: quote(key, safe="").upper(),
    "first-10": lambda key: key[:10],
    "last-8": lambda key: key[-8:],
    "middle-9": lambda key: key[5:14],
}


def leaks(key: str, text: str) -> bool:
    """Whether any 8 characters of the key, or of its URL-encoded forms, are in ``text``."""
    low = text.lower()
    for form in {key, quote(key), quote(key, safe=""), quote_plus(key)}:
        form = form.lower()
        if any(form[i : i + 8] in low for i in range(len(form) - 7)):
            return True
    return False


def _echo(echoed: str) -> Callable[[object], Response]:
    """A hostile server that repeats ``echoed`` in every field and header of its answer."""

    def respond(_request: object) -> Response:
        body = {
            "detail": f"bad key {echoed}",
            "message": f"bad key {echoed}",
            "msg": f"bad key {echoed}",
            "code": echoed,
            "request_id": f"req-{echoed}-1",
            "result_code": 201,
        }
        headers = {"X-Echo": echoed, "X-Request-Id": echoed}
        return Response(
            json.dumps(body), status=401, headers=headers, content_type="application/json"
        )

    return respond


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
        httpserver.expect_request(ANY).respond_with_handler(_echo(SENTINEL_KEY))
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
    _assert_nothing_of(SENTINEL_KEY, caught.value, client, caplog.text)


def _assert_nothing_of(key: str, error: BaseException, client: object, log: str) -> None:
    rendered = "".join(traceback.format_exception(error))
    texts = [str(error), repr(error), rendered, repr(client), log]
    texts += [str(getattr(error, name, "")) for name in ("provider_message", "request_id")]
    texts.append(str(getattr(error, "provider_code", "")))
    for text in texts:
        assert not leaks(key, text), text


@pytest.mark.parametrize("client_class", [AusyncLabClient, KlingClient, TwinSyncClient])
@pytest.mark.parametrize("key", [SENTINEL_KEY, ODD_KEY], ids=["plain-key", "key-with-symbols"])
@pytest.mark.parametrize("variant", list(KEY_VARIANTS))
@pytest.mark.parametrize("page", ["json", "html"])
def test_no_form_or_fragment_of_the_key_survives(
    httpserver: HTTPServer, caplog, client_class, key, variant, page
):
    """The key echoed in any case, URL-encoded or truncated (>= 8 characters) is redacted.

    It is echoed in the message, detail, msg, code, request_id (body and header) of a JSON error,
    or in the title of an HTML error page; each provider's error keeps none of it.
    """
    caplog.set_level(logging.DEBUG)
    echoed = KEY_VARIANTS[variant](key)
    if page == "json":
        httpserver.expect_request(ANY).respond_with_handler(_echo(echoed))
    else:
        httpserver.expect_request(ANY).respond_with_data(
            f"<html><title>Error {echoed} here</title></html>", status=502, content_type="text/html"
        )
    client = client_class(key, httpserver.url_for(""), timeout=2, retry=FAST_RETRY)
    with pytest.raises(LipsyncError) as caught:
        _a_post(client)
    _assert_nothing_of(key, caught.value, client, caplog.text)
    assert "***" in str(caught.value) + str(getattr(caught.value, "provider_message", ""))


def test_a_key_echoed_in_klings_request_id_is_not_in_the_error(httpserver: HTTPServer):
    """The issue's case: Kling's request_id carrying the key no longer shows in repr(exc)."""
    body = {
        "code": 1000,
        "message": "unauthorised",
        "request_id": f"{SENTINEL_KEY}-42",
        "data": None,
    }
    httpserver.expect_request(ANY).respond_with_json(body, status=401)
    client = KlingClient(SENTINEL_KEY, httpserver.url_for(""), retry=FAST_RETRY)
    with pytest.raises(AuthenticationError) as caught:
        client.get_lip_sync("t1")
    assert caught.value.request_id == "***-42"
    assert not leaks(SENTINEL_KEY, repr(caught.value))


@pytest.mark.parametrize("client_class", [AusyncLabClient, KlingClient, TwinSyncClient])
def test_answers_that_succeed_carry_no_key_either(httpserver: HTTPServer, client_class):
    """A provider text in a successful answer (a status message, a name) is redacted too."""
    echoed = quote_plus(ODD_KEY).upper()
    if client_class is AusyncLabClient:
        row = {"id": 1, "state": "PENDING", "name": f"video {echoed}"}
        httpserver.expect_request(ANY).respond_with_json({"status": 200, "result": row})
        text = client_class(ODD_KEY, httpserver.url_for("")).get_generated_video(1).name
    elif client_class is KlingClient:
        data = {"task_id": "t1", "task_status": "processing", "task_status_msg": f"on {echoed}"}
        httpserver.expect_request(ANY).respond_with_json({"code": 0, "data": data})
        text = client_class(ODD_KEY, httpserver.url_for("")).get_lip_sync("t1").status_message
    else:
        httpserver.expect_request(ANY).respond_with_json({"result_code": 102, "msg": echoed})
        text = client_class(ODD_KEY, httpserver.url_for("")).get_status("t1").message
    assert text is not None and "***" in text and not leaks(ODD_KEY, text)


@pytest.mark.parametrize("client_class", [AusyncLabClient, KlingClient, TwinSyncClient])
@pytest.mark.parametrize("short_key", ["e", "ab", "sandbox"])
def test_a_short_key_leaves_messages_whole(httpserver: HTTPServer, client_class, short_key):
    """A key under 8 characters (refused as a setting) no longer cuts letters out of messages."""
    words = "Request parameter error: the sandbox server needs a video"
    body = {"detail": words, "code": 1200, "message": words, "msg": words, "result_code": 200}
    httpserver.expect_request(ANY).respond_with_json(body, status=400)
    client = client_class(short_key, httpserver.url_for(""), retry=FAST_RETRY)
    with pytest.raises(LipsyncError) as caught:
        _a_post(client)
    assert words in str(caught.value)
    assert caught.value.provider_message == words


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

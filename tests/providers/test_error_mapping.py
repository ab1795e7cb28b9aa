"""Every row of the error table, for every provider, over real HTTP with scripted answers."""

from __future__ import annotations

import re

import pytest
from pytest_httpserver import HTTPServer

from lipsync_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    UnexpectedResponseError,
)

ANY_PATH = re.compile(r".*")
AUSYNC = "/api/v1/lipsync"
KLING_TASK = "/klingai/v1/videos/advanced-lip-sync/t1"
NGINX_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    "</center><hr><center>nginx</center></body></html>"
)


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (401, {"detail": "Invalid API key"}, AuthenticationError),
        (403, {"detail": "Not authenticated"}, AuthenticationError),
        (400, {"detail": "Bad request"}, InvalidRequestError),
        (404, {"detail": "Video not found"}, NotFoundError),
        (429, {"detail": "Too many requests"}, RateLimitError),
        (500, {"detail": "Internal error"}, ProviderUnavailableError),
        (503, {"detail": "Maintenance"}, ProviderUnavailableError),
    ],
)
def test_ausynclab_http_status_maps_to_error_class(
    httpserver: HTTPServer, ausynclab_scripted, status, body, error_class
):
    """An AusyncLab error status becomes the error class of the table, with its facts."""
    httpserver.expect_request(f"{AUSYNC}/generate/7").respond_with_json(body, status=status)
    with pytest.raises(error_class) as caught:
        ausynclab_scripted.get_generated_video(7)
    error = caught.value
    assert error.provider == "ausynclab"
    assert error.http_status == status
    assert error.provider_message == body["detail"]
    assert str(error).startswith("AusyncLab")
    assert body["detail"].rstrip(".") in str(error)


def test_ausynclab_422_detail_list_becomes_readable_field_messages(
    httpserver: HTTPServer, ausynclab_scripted
):
    """FastAPI's 422 detail list is turned into 'field: message' sentences."""
    detail = [
        {"loc": ["body", "video_url"], "msg": "Field required", "type": "missing"},
        {"loc": ["body", "sync_mode"], "msg": "Input should be 'loop'", "type": "enum"},
    ]
    httpserver.expect_request(f"{AUSYNC}/register-video", method="POST").respond_with_json(
        {"detail": detail}, status=422
    )
    with pytest.raises(InvalidRequestError) as caught:
        ausynclab_scripted.register_video("https://example.com/v.mp4")
    assert str(caught.value) == (
        "AusyncLab rejected the request: video_url: Field required; "
        "sync_mode: Input should be 'loop' (HTTP 422)."
    )


def test_ausynclab_404_on_create_means_could_not_create(httpserver: HTTPServer, ausynclab_scripted):
    """A 404 answering a POST is a refused request (the video is missing), not a missing page."""
    httpserver.expect_request(f"{AUSYNC}/generate-lipsync", method="POST").respond_with_json(
        {"detail": "Registered video 5 is not COMPLETED"}, status=404
    )
    with pytest.raises(InvalidRequestError, match="not COMPLETED"):
        ausynclab_scripted.generate_lipsync(5, "https://example.com/a.wav")


def test_ausynclab_404_on_a_list_is_an_empty_list(httpserver: HTTPServer, ausynclab_scripted):
    """The document answers an empty list with 404; the client returns []."""
    httpserver.expect_request(f"{AUSYNC}/register").respond_with_json(
        {"detail": "No registered videos found"}, status=404
    )
    assert ausynclab_scripted.list_registered_videos() == []


KLING_CODES = [
    (401, 1000, AuthenticationError),
    (401, 1001, AuthenticationError),
    (401, 1002, AuthenticationError),
    (401, 1003, AuthenticationError),
    (401, 1004, AuthenticationError),
    (403, 1103, AuthenticationError),
    (400, 1200, InvalidRequestError),
    (400, 1201, InvalidRequestError),
    (400, 1300, InvalidRequestError),
    (400, 1301, InvalidRequestError),
    (404, 1203, NotFoundError),
    (429, 1100, RateLimitError),
    (429, 1101, RateLimitError),
    (429, 1102, RateLimitError),
    (429, 1302, RateLimitError),
    (429, 1303, RateLimitError),
    (429, 1304, RateLimitError),
    (500, 5000, ProviderUnavailableError),
    (503, 5001, ProviderUnavailableError),
    (504, 5002, ProviderUnavailableError),
    (200, 1102, RateLimitError),
]


@pytest.mark.parametrize(("status", "code", "error_class"), KLING_CODES)
def test_kling_code_maps_to_error_class(
    httpserver: HTTPServer, kling_scripted, status, code, error_class
):
    """Each code of Kling's official table becomes its error class, keeping code and request id."""
    body = {"code": code, "message": f"message {code}", "request_id": "req-1", "data": None}
    httpserver.expect_request(KLING_TASK).respond_with_json(body, status=status)
    with pytest.raises(error_class) as caught:
        kling_scripted.get_lip_sync("t1")
    error = caught.value
    assert (error.provider, error.provider_code, error.request_id) == ("kling", code, "req-1")
    assert error.http_status == status
    assert f"(code {code})." in str(error)


def test_kling_out_of_credits_reads_as_a_sentence(httpserver: HTTPServer, kling_scripted):
    """The example of the issue: code 1102 is a sentence a person can act on."""
    body = {"code": 1102, "message": "resource pack exhausted", "request_id": "r", "data": None}
    httpserver.expect_request(KLING_TASK).respond_with_json(body, status=429)
    with pytest.raises(RateLimitError) as caught:
        kling_scripted.get_lip_sync("t1")
    assert str(caught.value) == "Kling says your account has run out of credits (code 1102)."


def test_kling_gateway_error_shape_keeps_its_message(httpserver: HTTPServer, kling_scripted):
    """A 302.ai gateway error ({"error": {...}}) keeps its message and maps by HTTP status."""
    body = {"error": {"err_code": -10001, "message": "Invalid API key for 302.ai"}}
    httpserver.expect_request(KLING_TASK).respond_with_json(body, status=401)
    with pytest.raises(AuthenticationError) as caught:
        kling_scripted.get_lip_sync("t1")
    assert "Invalid API key for 302.ai" in str(caught.value)


def test_kling_unknown_code_is_a_provider_error_with_its_message(
    httpserver: HTTPServer, kling_scripted
):
    """A code outside the table still becomes a ProviderError carrying the provider's words."""
    body = {"code": 4321, "message": "Something new", "request_id": "r9", "data": None}
    httpserver.expect_request(KLING_TASK).respond_with_json(body, status=200)
    with pytest.raises(ProviderError) as caught:
        kling_scripted.get_lip_sync("t1")
    assert str(caught.value) == "Kling reported a problem: Something new (code 4321)."


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (200, InvalidRequestError),
        (201, AuthenticationError),
        (202, InvalidRequestError),
        (203, ProviderUnavailableError),
    ],
)
def test_twinsync_submit_code_maps_to_error_class(
    httpserver: HTTPServer, twinsync_scripted, code, error_class
):
    """TwinSync's submit error codes (HTTP 200 bodies) become the error classes of the table."""
    httpserver.expect_request("/videotalking", method="POST").respond_with_json(
        {"result_code": code, "msg": f"problem {code}"}
    )
    with pytest.raises(error_class) as caught:
        twinsync_scripted.submit("https://example.com/a.wav", "https://example.com/v.mp4")
    assert (caught.value.provider, caught.value.provider_code) == ("twinsync", code)
    assert f"(code {code})." in str(caught.value)


def test_twinsync_unknown_task_is_not_found(httpserver: HTTPServer, twinsync_scripted):
    """Status code 200 on the GET means the task is not in TwinSync's queue."""
    httpserver.expect_request("/videotalking", query_string="taskID=nope").respond_with_json(
        {"result_code": 200, "msg": "taskID field is missing or not in the service queue"}
    )
    with pytest.raises(NotFoundError, match="TwinSync does not know this task"):
        twinsync_scripted.get_status("nope")


@pytest.mark.parametrize("provider", ["ausynclab", "kling", "twinsync"])
def test_html_error_page_becomes_a_short_unavailable_message(
    httpserver: HTTPServer, request, provider
):
    """A 502 nginx page becomes 'unavailable' with the page title, never the page itself."""
    httpserver.expect_request(ANY_PATH, method="GET").respond_with_data(
        NGINX_502, status=502, content_type="text/html"
    )
    client = request.getfixturevalue(f"{provider}_scripted")
    with pytest.raises(ProviderUnavailableError) as caught:
        _a_get(client)
    text = str(caught.value)
    assert "502 Bad Gateway" in text
    assert "<" not in text and "nginx" not in text
    assert len(text) < 160


@pytest.mark.parametrize("provider", ["ausynclab", "kling", "twinsync"])
def test_malformed_json_is_an_unexpected_response(httpserver: HTTPServer, request, provider):
    """A 200 whose body is cut-off JSON becomes UnexpectedResponseError, not a crash."""
    httpserver.expect_request(ANY_PATH, method="GET").respond_with_data(
        '{"status": 200, "result": {"id": 4', content_type="application/json"
    )
    client = request.getfixturevalue(f"{provider}_scripted")
    with pytest.raises(UnexpectedResponseError) as caught:
        _a_get(client)
    assert "does not understand" in str(caught.value)


def _a_get(client):
    """One GET endpoint of whichever client is given."""
    name = type(client).__name__
    if name == "AusyncLabClient":
        return client.get_generated_video(1)
    if name == "KlingClient":
        return client.get_lip_sync("t1")
    return client.get_status("t1")


@pytest.mark.parametrize(
    ("status", "error_class"), [(429, RateLimitError), (503, ProviderUnavailableError)]
)
def test_twinsync_http_status_wins_over_the_body_code(
    httpserver: HTTPServer, twinsync_scripted, status, error_class
):
    """A 429 or 5xx is a rate limit or an outage even if the body carries a result_code."""
    httpserver.expect_request("/videotalking", method="POST").respond_with_json(
        {"result_code": 203, "msg": "busy"}, status=status, headers={"Retry-After": "3"}
    )
    with pytest.raises(error_class) as caught:
        twinsync_scripted.submit("https://example.com/a.wav", "https://example.com/v.mp4")
    assert (caught.value.http_status, caught.value.provider_message) == (status, "busy")
    assert str(caught.value).startswith("TwinSync ")

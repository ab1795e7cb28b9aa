"""Answers that once escaped as non-provider exceptions, each sent by a real local server."""

from __future__ import annotations

import gzip
import logging
import re

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lipsync_core.errors import (
    ProviderError,
    RateLimitError,
    UnexpectedResponseError,
)
from lipsync_core.http import MAX_ANSWER_BYTES, RETRY_AFTER_MAX_SECONDS
from lipsync_core.providers.ausynclab import AusyncLabState
from tests.providers.conftest import SENTINEL_KEY
from tests.providers.documents import GENERATED, KLING_TASK

ANY = re.compile(r".*")
AUSYNC = "/api/v1/lipsync"
KLING_TASK_PATH = "/klingai/v1/videos/advanced-lip-sync/t1"
DEEP = 100_000


def _a_get(client):
    name = type(client).__name__
    if name == "AusyncLabClient":
        return client.get_generated_video(1)
    if name == "KlingClient":
        return client.get_lip_sync("t1")
    return client.get_status("t1")


@pytest.mark.parametrize("provider", ["ausynclab", "kling", "twinsync"])
@pytest.mark.parametrize(
    "body",
    [
        "[" * DEEP + "]" * DEEP,
        '{"status": 200, "result": ' + '{"a":' * DEEP + "1" + "}" * DEEP + "}",
        '{"code": 0, "data": ' + "[" * 40 + "]" * 40 + "}",
    ],
    ids=["deep-list", "deep-object-in-envelope", "nesting-past-the-limit"],
)
def test_deeply_nested_json_is_an_unexpected_response(
    httpserver: HTTPServer, request, provider, body
):
    """JSON nested past the limit (or past Python's recursion limit) is refused, not a crash."""
    httpserver.expect_request(ANY).respond_with_data(body, content_type="application/json")
    client = request.getfixturevalue(f"{provider}_scripted")
    with pytest.raises(UnexpectedResponseError, match="does not understand"):
        _a_get(client)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("²", None),
        ("soon", None),
        ("9" * 5000, RETRY_AFTER_MAX_SECONDS),
        ("-3", None),
        ("2", 2.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_odd_retry_after_headers_still_give_a_rate_limit_error(
    httpserver: HTTPServer, twinsync_scripted, value, expected, method
):
    """A 429 with any Retry-After (retried for a GET) ends as RateLimitError with sane advice."""
    httpserver.expect_request(ANY).respond_with_json(
        {"result_code": 203, "msg": "busy"}, status=429, headers={"Retry-After": value}
    )
    with pytest.raises(RateLimitError) as caught:
        if method == "GET":
            twinsync_scripted.get_status("t1")
        else:
            twinsync_scripted.submit("https://x/a.wav", "https://x/v.mp4")
    assert caught.value.retry_after == expected


@pytest.mark.parametrize("code", ["²", "abc", "１２", [1], {"a": 1}, 1.5, True, 10**40, ""])
def test_a_kling_code_of_any_kind_gives_a_provider_error(
    httpserver: HTTPServer, kling_scripted, code
):
    """A Kling ``code`` that is not a documented number still becomes a ProviderError."""
    body = {"code": code, "message": "odd", "request_id": "r1", "data": None}
    httpserver.expect_request(KLING_TASK_PATH).respond_with_json(body, status=400)
    with pytest.raises(ProviderError) as caught:
        kling_scripted.get_lip_sync("t1")
    assert caught.value.provider == "kling" and str(caught.value).startswith("Kling")


@pytest.mark.parametrize("field", ["task_info", "task_result"])
@pytest.mark.parametrize("value", [[{"external_task_id": "e"}], "text", 5])
def test_a_kling_task_with_a_list_where_an_object_belongs_is_unexpected(
    httpserver: HTTPServer, kling_scripted, field, value
):
    """task_info or task_result that is not an object is refused with a clear message."""
    body = {
        "code": 0,
        "message": "SUCCEED",
        "request_id": "r",
        "data": {**KLING_TASK, field: value},
    }
    httpserver.expect_request(KLING_TASK_PATH).respond_with_json(body)
    with pytest.raises(UnexpectedResponseError, match=field):
        kling_scripted.get_lip_sync("t1")


@pytest.mark.parametrize(
    "created_at",
    [10**30, -(10**30), "9" * 30, "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", 1e308],
)
def test_absurd_ausynclab_timestamps_are_unexpected(
    httpserver: HTTPServer, ausynclab_scripted, created_at
):
    """A created_at far outside any believable date is refused, never an OverflowError."""
    httpserver.expect_request(f"{AUSYNC}/generate/456").respond_with_json(
        {"status": 200, "result": {**GENERATED, "created_at": created_at}}
    )
    with pytest.raises(UnexpectedResponseError, match="created_at"):
        ausynclab_scripted.get_generated_video(456)


@pytest.mark.parametrize("created_at", [10**30, "99999999999999999999999", 1e300])
def test_absurd_kling_timestamps_are_unexpected(httpserver: HTTPServer, kling_scripted, created_at):
    """Kling's millisecond times far outside any believable date are refused."""
    data = {**KLING_TASK, "created_at": created_at}
    httpserver.expect_request(KLING_TASK_PATH).respond_with_json(
        {"code": 0, "message": "SUCCEED", "request_id": "r", "data": data}
    )
    with pytest.raises(UnexpectedResponseError, match="created_at"):
        kling_scripted.get_lip_sync("t1")


@pytest.mark.parametrize(
    "body",
    [
        '{"code": 0, "data": {"task_id": "t1", "task_status": "succeed", "task_result": '
        '{"videos": [{"id": "v", "url": "u", "duration": NaN}]}}}',
        '{"code": 0, "data": {"task_id": "t1", "task_status": "succeed", "task_result": '
        '{"videos": [{"id": "v", "url": "u", "duration": 1e999}]}}}',
        '{"code": 0, "data": {"task_id": "t1", "task_status": "succeed", "task_result": '
        '{"videos": [{"id": "v", "url": "u", "duration": "inf"}]}}}',
    ],
    ids=["NaN", "overflowing-number", "infinite-string"],
)
def test_numbers_that_are_not_finite_are_refused(httpserver: HTTPServer, kling_scripted, body):
    """NaN, Infinity and numbers too large for a float never reach a model."""
    httpserver.expect_request(KLING_TASK_PATH).respond_with_data(
        body, content_type="application/json"
    )
    with pytest.raises(UnexpectedResponseError):
        kling_scripted.get_lip_sync("t1")


def test_text_with_nul_or_lone_surrogates_is_made_storable(
    httpserver: HTTPServer, twinsync_scripted
):
    """A message with a NUL or a lone surrogate comes back as text any database can hold."""
    body = '{"result_code": 102, "msg": "run\\u0000ning \\ud800 now"}'
    httpserver.expect_request("/videotalking").respond_with_data(
        body, content_type="application/json"
    )
    task = twinsync_scripted.get_status("t1")
    assert task.message is not None
    task.message.encode("utf-8")
    assert "\x00" not in task.message and task.message.startswith("run")


def test_an_answer_that_inflates_past_the_limit_is_refused(httpserver: HTTPServer, kling_scripted):
    """A small gzip body that would inflate past MAX_ANSWER_BYTES is refused, not held in memory."""
    bomb = gzip.compress(b" " * (MAX_ANSWER_BYTES + 1024 * 1024), compresslevel=9)
    httpserver.expect_request(KLING_TASK_PATH).respond_with_response(
        Response(bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    )
    with pytest.raises(UnexpectedResponseError, match="larger than 32 MB"):
        kling_scripted.get_lip_sync("t1")


def test_one_unreadable_list_entry_leaves_the_others_readable(
    httpserver: HTTPServer, ausynclab_scripted, caplog
):
    """An absurd entry is skipped with a log line; the rest of the list comes back as usual."""
    caplog.set_level(logging.WARNING)
    rows = [
        {**GENERATED, "id": 1},
        {**GENERATED, "id": 2, "created_at": 10**30, "name": f"bad {SENTINEL_KEY}"},
        {**GENERATED, "id": 3, "state": "COMPLETED"},
        ["not", "an", "object"],
    ]
    httpserver.expect_request(f"{AUSYNC}/generate").respond_with_json(
        {"status": 200, "result": rows}
    )
    videos = ausynclab_scripted.list_generated_videos()
    assert [(v.id, v.state) for v in videos] == [
        (1, AusyncLabState.PROCESSING),
        (3, AusyncLabState.COMPLETED),
    ]
    assert [(s.position, s.id) for s in videos.skipped] == [(1, 2), (3, None)]
    assert videos.skipped[0].name == "bad ***"
    assert "created_at" in videos.skipped[0].problem
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(logged) == 2 and "entry 1 (id 2)" in logged[0]
    assert SENTINEL_KEY not in caplog.text


def test_a_fully_readable_list_skips_nothing(httpserver: HTTPServer, ausynclab_scripted):
    """When every entry reads, ``skipped`` is empty (and a JSON 404 is an empty list)."""
    httpserver.expect_ordered_request(f"{AUSYNC}/register").respond_with_json(
        {"status": 200, "result": [{"id": 5, "state": "COMPLETED"}]}
    )
    httpserver.expect_ordered_request(f"{AUSYNC}/register").respond_with_json(
        {"detail": "No registered videos found"}, status=404
    )
    listed = ausynclab_scripted.list_registered_videos()
    assert [v.id for v in listed] == [5] and listed.skipped == []
    empty = ausynclab_scripted.list_registered_videos()
    assert empty == [] and empty.skipped == []


@pytest.mark.parametrize("provider", ["ausynclab", "kling", "twinsync"])
def test_a_multi_line_provider_message_becomes_one_line(httpserver: HTTPServer, request, provider):
    """Line breaks and tabs in a provider's words never make an error message span lines."""
    words = "first line\r\n\tsecond   line\n"
    body = {"detail": words, "code": 1200, "message": words, "msg": words, "result_code": 200}
    httpserver.expect_request(ANY).respond_with_json(body, status=400)
    with pytest.raises(ProviderError) as caught:
        _a_get(request.getfixturevalue(f"{provider}_scripted"))
    assert "first line second line" in str(caught.value)
    assert caught.value.provider_message == "first line second line"
    assert "\n" not in str(caught.value) and "\t" not in str(caught.value)

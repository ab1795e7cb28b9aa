"""Links on this server's loopback (the sandbox's) reach a teammate's browser as bytes served
by the dashboard; files and public links pass through untouched; a loopback link to anything not
trusted is never fetched."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer

from ui import browser_media

JPEG = b"\xff\xd8\xff\xe0" + b"picture" * 100
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"video" * 1000


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    browser_media._fetch_picture.clear()
    browser_media._fetch_video.clear()


@pytest.fixture
def trusted(httpserver: HTTPServer, trust_host: Callable[[str], None]) -> HTTPServer:
    """The local test server, trusted in LIPSYNC_FETCH_ALLOW (as the sandbox is by default)."""
    trust_host(httpserver.url_for("/"))
    return httpserver


def test_a_loopback_picture_is_fetched_here(trusted: HTTPServer) -> None:
    """A trusted loopback picture is handed to Streamlit as bytes."""
    httpserver = trusted
    httpserver.expect_request("/thumb.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    url = httpserver.url_for("/thumb.jpg")
    assert url.startswith("http://localhost:") or url.startswith("http://127.0.0.1:")
    assert browser_media.picture(url) == JPEG


def test_a_loopback_picture_becomes_a_data_url_in_a_table_cell(trusted: HTTPServer) -> None:
    """A trusted loopback picture becomes a data: URL in a table cell."""
    httpserver = trusted
    httpserver.expect_request("/thumb.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    cell = browser_media.picture_cell(httpserver.url_for("/thumb.jpg"))
    assert cell is not None
    prefix, _, data = cell.partition(",")
    assert prefix == "data:image/jpeg;base64"
    assert base64.b64decode(data) == JPEG


def test_a_loopback_video_is_fetched_once_for_many_reruns(trusted: HTTPServer) -> None:
    """A trusted loopback video is fetched once and cached across reruns."""
    httpserver = trusted
    httpserver.expect_request("/out.mp4").respond_with_data(MP4, content_type="video/mp4")
    url = httpserver.url_for("/out.mp4")
    assert [browser_media.video(url) for _ in range(3)] == [MP4] * 3
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    "source",
    [None, "", "https://cdn.provider.example/out/123.mp4", "/data/outputs/job.mp4"],
    ids=["nothing", "empty", "public-link", "file-on-disk"],
)
def test_files_and_public_links_pass_through(source: str | None) -> None:
    assert browser_media.video(source) == source
    assert browser_media.picture(source) == source
    assert browser_media.picture_cell(source) == source


def test_a_missing_picture_is_none_not_an_error(trusted: HTTPServer) -> None:
    """A 404 from a trusted server is no picture, not an error."""
    httpserver = trusted
    httpserver.expect_request("/gone.jpg").respond_with_data("not found", status=404)
    assert browser_media.picture(httpserver.url_for("/gone.jpg")) is None
    assert browser_media.picture_cell(httpserver.url_for("/gone.jpg")) is None


def test_an_unreachable_sandbox_is_none_not_an_error() -> None:
    assert browser_media.video("http://127.0.0.1:9/out.mp4") is None


def test_a_video_over_the_limit_is_not_held_in_memory(
    trusted: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A video over the limit is dropped, not held."""
    httpserver = trusted
    monkeypatch.setattr(browser_media, "MAX_VIDEO_BYTES", 1000)
    httpserver.expect_request("/big.mp4").respond_with_data(MP4, content_type="video/mp4")
    assert browser_media.video(httpserver.url_for("/big.mp4")) is None


def test_an_untrusted_loopback_link_is_never_fetched(httpserver: HTTPServer) -> None:
    """A loopback link to a server neither the app's own nor trusted shows nothing, unasked."""
    httpserver.expect_request("/admin.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    url = httpserver.url_for("/admin.jpg")
    assert (browser_media.picture(url), browser_media.video(url)) == (None, None)
    assert browser_media.picture_cell(url) is None
    assert httpserver.log == []


def test_a_redirect_to_an_untrusted_server_is_not_followed(trusted: HTTPServer) -> None:
    """A trusted server cannot redirect the dashboard to a server on this machine it does not
    trust."""
    victim = HTTPServer(host="127.0.0.1", port=0)
    victim.start()
    try:
        victim.expect_request("/secret.jpg").respond_with_data(JPEG, content_type="image/jpeg")
        trusted.expect_request("/thumb.jpg").respond_with_data(
            "", status=302, headers={"Location": victim.url_for("/secret.jpg")}
        )
        assert browser_media.picture(trusted.url_for("/thumb.jpg")) is None
        assert victim.log == []
    finally:
        victim.stop()

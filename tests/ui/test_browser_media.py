"""Links on this server's loopback (the sandbox's) reach a teammate's browser as bytes served
by the dashboard; files and public links pass through untouched."""

from __future__ import annotations

import base64

import pytest
from pytest_httpserver import HTTPServer

from ui import browser_media

JPEG = b"\xff\xd8\xff\xe0" + b"picture" * 100
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"video" * 1000


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    browser_media._fetch_picture.clear()
    browser_media._fetch_video.clear()


def test_a_loopback_picture_is_fetched_here(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/thumb.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    url = httpserver.url_for("/thumb.jpg")
    assert url.startswith("http://localhost:") or url.startswith("http://127.0.0.1:")
    assert browser_media.picture(url) == JPEG


def test_a_loopback_picture_becomes_a_data_url_in_a_table_cell(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/thumb.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    cell = browser_media.picture_cell(httpserver.url_for("/thumb.jpg"))
    assert cell is not None
    prefix, _, data = cell.partition(",")
    assert prefix == "data:image/jpeg;base64"
    assert base64.b64decode(data) == JPEG


def test_a_loopback_video_is_fetched_once_for_many_reruns(httpserver: HTTPServer) -> None:
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


def test_a_missing_picture_is_none_not_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone.jpg").respond_with_data("not found", status=404)
    assert browser_media.picture(httpserver.url_for("/gone.jpg")) is None
    assert browser_media.picture_cell(httpserver.url_for("/gone.jpg")) is None


def test_an_unreachable_sandbox_is_none_not_an_error() -> None:
    assert browser_media.video("http://127.0.0.1:9/out.mp4") is None


def test_a_video_over_the_limit_is_not_held_in_memory(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browser_media, "MAX_VIDEO_BYTES", 1000)
    httpserver.expect_request("/big.mp4").respond_with_data(MP4, content_type="video/mp4")
    assert browser_media.video(httpserver.url_for("/big.mp4")) is None

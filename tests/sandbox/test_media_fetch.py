"""Input media arrive by http(s), file:// or base64, within a size cap, or fail in plain words;
links to this machine, a private network or files outside the uploads are refused."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from lipsync_core.sandbox import SandboxServer
from lipsync_core.sandbox.media_fetch import MediaFetchError, decode_base64, fetch

MB = 1024 * 1024
UNREACHABLE = "Could not download the video: the server could not be reached."
PRIVATE = (
    "The video was not downloaded. This link points to {address}, a local or private network "
    "address; this app only fetches from public addresses (an administrator can trust a host in "
    "LIPSYNC_FETCH_ALLOW)."
)
OUTSIDE = (
    "The video was not read. The file {name} is not in this app's uploads folder; only files "
    "given to the app (uploaded or chosen as a sample) are read from this computer."
)


def test_an_http_url_is_downloaded(sandbox: SandboxServer, sample_audio_path: Path, tmp_path):
    """A served file arrives byte for byte, keeping its extension."""
    url = sandbox.base_url + "/samples/speech.wav"
    path = fetch(url, tmp_path, what="audio", max_bytes=10 * MB, timeout=10)
    assert path.suffix == ".wav" and path.read_bytes() == sample_audio_path.read_bytes()


@pytest.mark.parametrize("where", ["uploads", "samples"])
def test_a_file_url_in_the_uploads_or_the_samples_is_copied(
    sample_video_path: Path, media_data_dir: Path, tmp_path: Path, where: str
) -> None:
    """file:// URLs of the dashboard's uploads (or the shipped samples) are read from disk."""
    source = sample_video_path
    if where == "uploads":
        source = media_data_dir / "uploads" / "face.mp4"
        source.write_bytes(sample_video_path.read_bytes())
    path = fetch(source.as_uri(), tmp_path, what="video", max_bytes=10 * MB, timeout=1)
    assert path.read_bytes() == sample_video_path.read_bytes()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/samples/face.mp4", "The video is larger than 104857 bytes."),
        ("/samples/none.mp4", "Could not download the video: the server answered HTTP 404."),
        ("http://127.0.0.1:9/x.mp4", PRIVATE.format(address="127.0.0.1")),
        ("http://10.1.2.3/x.mp4", PRIVATE.format(address="10.1.2.3")),
        ("http://[::1]:9/x.mp4", PRIVATE.format(address="::1")),
        ("http://169.254.169.254/latest/meta-data", PRIVATE.format(address="169.254.169.254")),
        ("file:///no/such.mp4", OUTSIDE.format(name="such.mp4")),
        ("file:///etc/passwd", OUTSIDE.format(name="passwd")),
        ("ftp://host/x.mp4", "The video URL must start with http://, https:// or file://."),
    ],
)
def test_fetch_failures_say_what_went_wrong(
    sandbox: SandboxServer, tmp_path: Path, url: str, message: str
) -> None:
    """Too big, missing, on this machine or a private network, outside the uploads, or an
    unsupported scheme: each a plain sentence, and nothing is written."""
    full = sandbox.base_url + url if url.startswith("/") else url
    with pytest.raises(MediaFetchError) as caught:
        fetch(full, tmp_path, what="video", max_bytes=MB // 10, timeout=5)
    assert str(caught.value) == message
    assert list(tmp_path.iterdir()) == []


def test_a_trusted_host_that_does_not_answer_is_unreachable(
    tmp_path: Path, trust_host: Callable[[str], None]
) -> None:
    """A host trusted in LIPSYNC_FETCH_ALLOW passes the guard; a closed port is then unreachable."""
    trust_host("127.0.0.1:9")
    with pytest.raises(MediaFetchError) as caught:
        fetch("http://127.0.0.1:9/x.mp4", tmp_path, what="video", max_bytes=MB, timeout=5)
    assert str(caught.value) == UNREACHABLE


@pytest.mark.parametrize("trusted", [False, True], ids=["not-trusted", "trusted"])
def test_a_local_server_is_fetched_only_when_trusted(
    httpserver: HTTPServer, tmp_path: Path, trust_host: Callable[[str], None], trusted: bool
) -> None:
    """A server on this machine is never contacted unless LIPSYNC_FETCH_ALLOW names it."""
    httpserver.expect_request("/clip.mp4").respond_with_data(b"video bytes")
    url = httpserver.url_for("/clip.mp4")
    if trusted:
        trust_host(url)
        path = fetch(url, tmp_path, what="video", max_bytes=MB, timeout=5)
        assert path.read_bytes() == b"video bytes"
    else:
        with pytest.raises(MediaFetchError, match="local or private network address"):
            fetch(url, tmp_path, what="video", max_bytes=MB, timeout=5)
        assert httpserver.log == []


def test_a_redirect_to_this_machine_is_refused(
    httpserver: HTTPServer, tmp_path: Path, trust_host: Callable[[str], None]
) -> None:
    """A trusted server cannot redirect the sandbox to a server that is not trusted."""
    victim = HTTPServer(host="127.0.0.1", port=0)
    victim.start()
    try:
        victim.expect_request("/secret").respond_with_data(b"secret")
        httpserver.expect_request("/clip.mp4").respond_with_data(
            "", status=302, headers={"Location": victim.url_for("/secret")}
        )
        trust_host(httpserver.url_for("/"))
        with pytest.raises(MediaFetchError, match="local or private network address"):
            fetch(httpserver.url_for("/clip.mp4"), tmp_path, what="video", max_bytes=MB, timeout=5)
        assert victim.log == []
    finally:
        victim.stop()


@pytest.mark.parametrize("target", ["database", "symlink"])
def test_files_beside_or_linked_from_the_uploads_are_refused(
    media_data_dir: Path, tmp_path: Path, target: str
) -> None:
    """The job database beside the uploads, or a link inside the uploads to a file outside,
    is not read."""
    database = media_data_dir / "lipsync.db"
    database.write_bytes(b"SQLite format 3\x00 jobs")
    source = database
    if target == "symlink":
        source = media_data_dir / "uploads" / "innocent.mp4"
        source.unlink(missing_ok=True)
        source.symlink_to(database)
    with pytest.raises(MediaFetchError, match="is not in this app's uploads folder"):
        fetch(source.as_uri(), tmp_path, what="video", max_bytes=MB, timeout=1)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("prefix", ["", "data:audio/wav;base64,"])
def test_base64_audio_is_decoded_with_or_without_a_data_prefix(
    sample_audio_path: Path, tmp_path: Path, prefix: str
) -> None:
    """Kling's sound_file may be base64, with an optional data: prefix."""
    data = prefix + base64.b64encode(sample_audio_path.read_bytes()).decode()
    path = decode_base64(data, tmp_path, what="sound_file", max_bytes=5 * MB)
    assert path.read_bytes() == sample_audio_path.read_bytes()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not base64!", "The sound_file is neither a URL nor valid base64 data."),
        (base64.b64encode(b"x" * 200).decode(), "The sound_file is larger than 100 bytes."),
    ],
)
def test_bad_base64_is_refused(tmp_path: Path, data: str, message: str) -> None:
    """Invalid or oversized base64 is a MediaFetchError."""
    with pytest.raises(MediaFetchError, match=message.replace(".", r"\.")):
        decode_base64(data, tmp_path, what="sound_file", max_bytes=100)

"""Input media arrive by http(s), file:// or base64, within a size cap, or fail in plain words."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from lipsync_core.sandbox import SandboxServer
from lipsync_core.sandbox.media_fetch import MediaFetchError, decode_base64, fetch

MB = 1024 * 1024
UNREACHABLE = "Could not download the video: the server could not be reached."


def test_an_http_url_is_downloaded(sandbox: SandboxServer, sample_audio_path: Path, tmp_path):
    """A served file arrives byte for byte, keeping its extension."""
    url = sandbox.base_url + "/samples/speech.wav"
    path = fetch(url, tmp_path, what="audio", max_bytes=10 * MB, timeout=10)
    assert path.suffix == ".wav" and path.read_bytes() == sample_audio_path.read_bytes()


def test_a_file_url_is_copied(sample_video_path: Path, tmp_path: Path) -> None:
    """file:// URLs (the dashboard's uploads) are read directly from disk."""
    path = fetch(sample_video_path.as_uri(), tmp_path, what="video", max_bytes=10 * MB, timeout=1)
    assert path.read_bytes() == sample_video_path.read_bytes()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/samples/face.mp4", "The video is larger than 104857 bytes."),
        ("/samples/none.mp4", "Could not download the video: the server answered HTTP 404."),
        ("http://127.0.0.1:9/x.mp4", UNREACHABLE),
        ("file:///no/such.mp4", "The video file /no/such.mp4 does not exist."),
        ("ftp://host/x.mp4", "The video URL must start with http://, https:// or file://."),
    ],
)
def test_fetch_failures_say_what_went_wrong(
    sandbox: SandboxServer, tmp_path: Path, url: str, message: str
) -> None:
    """Too big, missing, unreachable, or an unsupported scheme: each a plain sentence."""
    full = sandbox.base_url + url if url.startswith("/") else url
    with pytest.raises(MediaFetchError) as caught:
        fetch(full, tmp_path, what="video", max_bytes=MB // 10, timeout=5)
    assert str(caught.value) == message
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

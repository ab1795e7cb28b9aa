"""The receiver's ``/uploads/``, over real HTTP: media with its type, everything else as a
download, never sniffed, never a page; hidden, outside and missing files are not served."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from lipsync_core.flows.sources import uploads_dir
from tests.core.conftest import SAMPLE_SPEECH, SAMPLE_VIDEO, Receiving

PAGE = b"<html><body><script>document.title = 'ran'</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "data", "media_type", "attachment"),
    [
        ("face.mp4", SAMPLE_VIDEO.read_bytes(), "video/mp4", False),
        ("speech.wav", SAMPLE_SPEECH.read_bytes(), "audio/wav", False),
        ("clip.MOV", b"\x00\x00\x00\x14ftypqt  ", "video/quicktime", False),
        ("page.html", PAGE, "application/octet-stream", True),
        ("picture.svg", SVG, "application/octet-stream", True),
        ("notes.txt", PAGE, "application/octet-stream", True),
        ("no-extension", PAGE, "application/octet-stream", True),
    ],
)
def test_each_file_is_served_with_its_media_type_and_never_as_a_page(
    receiving: Receiving, name: str, data: bytes, media_type: str, attachment: bool
) -> None:
    """Audio and video play inline with their type; anything else is a download; none sniffed."""
    folder = uploads_dir(receiving.settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    answer = requests.get(f"{receiving.receiver.base_url}/uploads/{name}", timeout=10)
    assert answer.status_code == 200 and answer.content == data
    assert answer.headers["content-type"].split(";")[0] == media_type
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == "sandbox"
    assert answer.headers.get("content-disposition") == ("attachment" if attachment else None)


def test_a_video_is_served_in_ranges_for_providers_that_ask(receiving: Receiving) -> None:
    """A ``Range`` request gets 206 and just those bytes, with the video's type."""
    folder = uploads_dir(receiving.settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "face.mp4").write_bytes(SAMPLE_VIDEO.read_bytes())
    url = f"{receiving.receiver.base_url}/uploads/face.mp4"
    answer = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=10)
    assert answer.status_code == 206
    assert answer.content == SAMPLE_VIDEO.read_bytes()[100:200]
    assert answer.headers["content-type"] == "video/mp4"
    assert requests.head(url, timeout=10).headers["content-length"] == str(
        SAMPLE_VIDEO.stat().st_size
    )


@pytest.mark.parametrize(
    "path",
    [
        ".upload-abc.mp4",
        "sub/.hidden.mp4",
        "%2e%2e/callback-secret",
        "..%2fcallback-secret",
        "%2e%2e/%2e%2e/etc/passwd",
        "outside.mp4",
        "missing.mp4",
        "sub",
        "a" * 5000 + ".mp4",
        "bad%00name.mp4",
    ],
)
def test_hidden_outside_and_missing_files_are_not_served(receiving: Receiving, path: str) -> None:
    """Uploads being written, the server secret beside the folder, files a link leads out to,
    folders and impossible names all get 404."""
    folder = uploads_dir(receiving.settings)
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (folder / ".upload-abc.mp4").write_bytes(b"partial")
    (folder / "sub" / ".hidden.mp4").write_bytes(b"hidden")
    outside = Path(receiving.settings.data_dir) / "private.mp4"
    outside.write_bytes(b"private")
    (folder / "outside.mp4").symlink_to(outside)
    receiving.job_url("some-job")  # makes the server secret, beside the uploads folder
    answer = requests.get(f"{receiving.receiver.base_url}/uploads/{path}", timeout=10)
    assert answer.status_code == 404
    assert b"private" not in answer.content and b"partial" not in answer.content

"""Uploads are kept only when their content is video or audio, under their content's hash."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import cv2
import numpy as np
import pytest

from lipsync_core.errors import MediaValidationError
from lipsync_core.uploads import keep_file, keep_upload, media_type
from tests.core.conftest import SAMPLE_SPEECH, SAMPLE_VIDEO

PNG = cv2.imencode(".png", np.full((64, 64, 3), 200, np.uint8))[1].tobytes()
PAGE = b"<html><body><script>document.title = 'ran'</script></body></html>" * 20
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' * 20
EXTENSIONS = "mp4, mov, webm, mkv, avi, mp3, wav, m4a, aac, ogg or flac"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


@pytest.mark.parametrize(
    ("source", "name", "kind", "stored"),
    [
        (SAMPLE_VIDEO, "face.mp4", "video", ".mp4"),
        (SAMPLE_VIDEO, "Face.MOV", None, ".mov"),
        (SAMPLE_VIDEO, "face.mp4", "audio", ".mp4"),
        (SAMPLE_SPEECH, "speech.wav", "audio", ".wav"),
        (SAMPLE_SPEECH, "a" * 300 + ".WAV", None, ".wav"),
    ],
)
def test_media_is_kept_once_under_its_content_hash(
    tmp_path: Path, source: Path, name: str, kind: str | None, stored: str
) -> None:
    """The name is ``<hash><extension>`` whatever the uploaded name; the same bytes twice are
    one file, and no temporary file is left behind."""
    data = source.read_bytes()
    first = keep_upload(data, name, tmp_path, kind=kind)
    again = keep_upload(io.BytesIO(data), "copy" + stored, tmp_path, kind=kind)
    assert first == again == tmp_path / f"{digest(data)}{stored}"
    assert first.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == [first.name]


def test_a_shipped_sample_is_kept_the_same_way(tmp_path: Path) -> None:
    """``keep_file`` copies a file of this computer under its hash name."""
    kept = keep_file(SAMPLE_VIDEO, tmp_path)
    assert kept.name == f"{digest(SAMPLE_VIDEO.read_bytes())}.mp4"


@pytest.mark.parametrize(
    ("data", "name", "kind", "message"),
    [
        (PAGE, "page.html", None, f"The file page.html is not a video or audio file this app "
         f"takes: choose a file ending in {EXTENSIONS}."),
        (SVG, "drawing.svg", None, "The file drawing.svg is not a video or audio file"),
        (PAGE, "notes", None, "The file notes is not a video or audio file"),
        (SAMPLE_VIDEO.read_bytes(), "clip." + "x" * 300, None,
         "The file clip.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…xxxxxxxxxxxxxxxxxxxx is not a video "
         "or audio file"),
        (PAGE, "page.mp4", None, "The file page.mp4 could not be read as video or audio"),
        (SVG, "drawing.mov", None, "The file drawing.mov is a still image, not a video or audio"),
        (b"only words " * 100, "notes.wav", None, "The file notes.wav could not be read"),
        (PNG, "picture.mp4", None, "The file picture.mp4 is a still image, not a video or audio"),
        (b"", "empty.mp4", None, "The file empty.mp4 is empty."),
        (SAMPLE_SPEECH.read_bytes(), "speech.mp4", "video", "The file speech.mp4 has no video"),
    ],
)  # fmt: skip
def test_anything_but_media_is_refused_in_words_and_not_kept(
    tmp_path: Path, data: bytes, name: str, kind: str | None, message: str
) -> None:
    """Pages, pictures, text, empty files, names without a media extension (however long) and
    the wrong kind of media: a plain sentence naming the file as uploaded, and nothing kept."""
    with pytest.raises(MediaValidationError) as refused:
        keep_upload(data, name, tmp_path, kind=kind)  # type: ignore[arg-type]
    assert str(refused.value).startswith(message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "served_as"),
    [
        ("a.mp4", "video/mp4"),
        ("a.MKV", "video/x-matroska"),
        ("a.m4a", "audio/mp4"),
        ("a.mp3", "audio/mpeg"),
        ("a.html", "application/octet-stream"),
        ("a.svg", "application/octet-stream"),
        ("a", "application/octet-stream"),
    ],
)
def test_the_media_type_comes_from_a_fixed_table(name: str, served_as: str) -> None:
    """Only the media extensions have a media type; anything else is a plain download."""
    assert media_type(Path(name)) == served_as

"""Probing local files and remote links: the figures, the refusals and the bytes read."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lipsync_core.errors import MediaValidationError
from lipsync_core.media import MediaInfo, RangeReader, probe

if TYPE_CHECKING:
    from tests.core.conftest import RangeServer


def test_probe_reports_the_figures_of_a_generated_clip(small_clip: Path) -> None:
    """A 2 s 320×240 25 fps H.264 clip with a 2.5 s AAC track is described exactly."""
    info = probe(small_clip)
    assert (info.video_codec, info.width, info.height, info.fps) == ("h264", 320, 240, 25.0)
    assert info.video_duration == pytest.approx(2.0, abs=0.01)
    assert (info.audio_codec, info.audio_sample_rate) == ("aac", 44_100)
    assert info.audio_duration == pytest.approx(2.5, abs=0.03)
    assert info.duration == pytest.approx(2.5, abs=0.03)
    assert info.size_bytes == small_clip.stat().st_size
    assert (info.extension, info.has_video, info.has_audio) == ("mp4", True, True)
    assert "mp4" in (info.format_name or "")


def test_probe_reports_a_wav_as_audio_only(tmp_path: Path, wav_writer: Callable[..., Path]) -> None:
    """A 3 s 16 kHz WAV has an audio track of exactly 3 s and no picture."""
    info = probe(wav_writer(tmp_path / "tone.wav", seconds=3.0, rate=16_000))
    assert (info.format_name, info.extension, info.audio_codec) == ("wav", "wav", "pcm_s16le")
    assert (info.audio_duration, info.audio_sample_rate) == (3.0, 16_000)
    assert (info.has_video, info.has_audio, info.width, info.fps) == (False, True, None, None)


def test_probe_reports_a_silent_video_without_audio(faceless_clip: Path) -> None:
    """A clip without a sound track says so, with the audio fields left empty."""
    info = probe(faceless_clip)
    assert (info.has_video, info.has_audio) == (True, False)
    assert (info.audio_codec, info.audio_duration, info.audio_sample_rate) == (None, None, None)
    assert (info.width, info.height) == (640, 360)


def test_probe_describes_the_shipped_samples(sample_video: Path, sample_speech: Path) -> None:
    """The sample clip is 5 s of 1280×720 H.264 with AAC, and the speech 5 s of WAV."""
    video, speech = probe(sample_video), probe(sample_speech)
    assert (video.video_codec, video.width, video.height, video.fps) == ("h264", 1280, 720, 25.0)
    assert video.audio_codec == "aac"
    assert video.duration == pytest.approx(5.0, abs=0.05)
    assert speech.audio_duration == pytest.approx(5.0, abs=0.05)
    assert video.size_bytes + speech.size_bytes < 600_000


@pytest.mark.parametrize(
    ("name", "format_name"),
    [
        ("clip.mov", "mov,mp4,m4a,3gp,3g2,mj2"),
        ("clip.mkv", "matroska,webm"),
        ("clip.ts", "mpegts"),
        ("clip.avi", "avi"),
    ],
)
def test_common_video_containers_are_probed(
    tmp_path: Path, clip_writer: Callable[..., Path], name: str, format_name: str
) -> None:
    """MOV, MKV, MPEG-TS and AVI files report their figures and are not taken for cut short."""
    info = probe(clip_writer(tmp_path / name, seconds=2.0, audio_seconds=2.0))
    assert (info.format_name, info.extension, info.width, info.fps) == (
        format_name,
        name.rsplit(".", 1)[1],
        320,
        25.0,
    )
    assert info.video_duration == pytest.approx(2.0, abs=0.05)
    assert info.audio_duration == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize(
    ("name", "codec", "format_name", "reported_codec"),
    [
        ("speech.mp3", "libmp3lame", "mp3", "mp3float"),
        ("speech.m4a", "aac", "mov,mp4,m4a,3gp,3g2,mj2", "aac"),
        ("speech.flac", "flac", "flac", "flac"),
    ],
)
def test_common_audio_formats_are_probed(
    tmp_path: Path,
    audio_writer: Callable[..., Path],
    name: str,
    codec: str,
    format_name: str,
    reported_codec: str,
) -> None:
    """MP3, M4A and FLAC files report their length, sample rate and codec."""
    info = probe(audio_writer(tmp_path / name, seconds=3.3, rate=44_100, codec=codec))
    assert (info.format_name, info.audio_codec, info.audio_sample_rate) == (
        format_name,
        reported_codec,
        44_100,
    )
    assert info.audio_duration == pytest.approx(3.3, abs=0.06)
    assert not info.has_video


def test_probe_accepts_a_file_url_in_the_uploads(
    small_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``file://`` URL of a file in the uploads folder is probed like the path it names."""
    monkeypatch.setenv("LIPSYNC_DATA_DIR", str(tmp_path))
    (tmp_path / "uploads").mkdir()
    upload = tmp_path / "uploads" / "clip.mp4"
    upload.write_bytes(small_clip.read_bytes())
    info = probe(upload.as_uri())
    assert info.source == upload.as_uri()
    assert info.width == 320


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("beside", "The file clip.mp4 is not in this app's uploads folder"),
        ("passwd", "The file passwd is not in this app's uploads folder"),
        ("missing", "The file gone.mp4 does not exist."),
    ],
)
def test_probe_reads_no_file_url_outside_the_uploads(
    small_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, message: str
) -> None:
    """A ``file://`` link to a file outside the uploads (the job database's folder, the system's
    files) is refused without being read; a missing upload is named."""
    monkeypatch.setenv("LIPSYNC_DATA_DIR", str(tmp_path))
    (tmp_path / "uploads").mkdir()
    beside = tmp_path / "clip.mp4"
    beside.write_bytes(small_clip.read_bytes())
    url = {
        "beside": beside.as_uri(),
        "passwd": "file:///etc/passwd",
        "missing": (tmp_path / "uploads" / "gone.mp4").as_uri(),
    }[where]
    with pytest.raises(MediaValidationError, match=re.escape(message)):
        probe(url)


@pytest.mark.parametrize("faststart", [False, True], ids=["index-at-end", "index-at-start"])
@pytest.mark.parametrize("kept", [0.99, 0.5, 0.05])
def test_a_truncated_clip_is_refused_in_plain_words(
    tmp_path: Path, clip_writer: Callable[..., Path], faststart: bool, kept: float
) -> None:
    """A clip cut short — whichever end its index sits at — gets a MediaValidationError."""
    whole = clip_writer(tmp_path / "whole.mp4", seconds=2.0, audio_seconds=2.0, faststart=faststart)
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * kept)])
    with pytest.raises(MediaValidationError, match="cut short"):
        probe(cut)


def test_a_truncated_wav_is_refused(tmp_path: Path, wav_writer: Callable[..., Path]) -> None:
    """A WAV whose data stops before the length its header announces is refused."""
    data = wav_writer(tmp_path / "whole.wav").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaValidationError, match="cut short"):
        probe(cut)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.mp4", b"", "The file empty.mp4 is empty."),
        ("words.mp4", b"this is not a video " * 200, "could not be read as video or audio"),
        ("notes.txt", b"plain text notes\n" * 200, "could not be read as video or audio"),
        ("random.wav", bytes(range(256)) * 64, "could not be read as video or audio"),
    ],
)
def test_non_media_files_are_refused_in_plain_words(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    """Empty files, text and random bytes raise MediaValidationError, never a crash."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MediaValidationError, match=message):
        probe(path)


def test_a_still_image_is_not_taken_for_a_video(tmp_path: Path) -> None:
    """A PNG picture is refused: it is neither a video nor an audio file."""
    import cv2
    import numpy as np

    path = tmp_path / "picture.png"
    cv2.imwrite(str(path), np.zeros((64, 64, 3), dtype=np.uint8))
    with pytest.raises(MediaValidationError, match="still image"):
        probe(path)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/no/such/clip.mp4", "The file clip.mp4 does not exist."),
        ("ftp://example.com/clip.mp4", "Only http and https links"),
        ("data:video/mp4;base64,AAAA", "Only http and https links"),
        ("gopher://example.com/clip.mp4", "Only http and https links"),
    ],
)
def test_missing_files_and_other_schemes_are_refused(source: str, message: str) -> None:
    """Missing files and non-http(s) links raise MediaValidationError with a plain sentence."""
    with pytest.raises(MediaValidationError, match=message):
        probe(source)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    """A folder is not a media file."""
    with pytest.raises(MediaValidationError, match="not a media file"):
        probe(tmp_path)


@pytest.mark.parametrize("name", ["big.mp4", "small.mp4", "face.mp4"])
def test_remote_probe_matches_the_local_probe(
    range_server: RangeServer, media_dir: Path, sample_video: Path, name: str
) -> None:
    """Probing over HTTP gives the same figures as probing the same file on disk."""
    local = {"face.mp4": sample_video}.get(name, media_dir / name)
    remote = probe(range_server.url(name), allowed_hosts=[range_server.address])
    expected = probe(local)
    assert remote.source == range_server.url(name)
    fields = ("duration", "video_codec", "width", "height", "fps", "audio_codec", "size_bytes")
    assert {f: getattr(remote, f) for f in fields} == {f: getattr(expected, f) for f in fields}


def test_remote_probe_of_a_large_file_reads_a_small_part(
    range_server: RangeServer, big_clip: Path
) -> None:
    """A 24 MB MP4 with its index at the end is probed by reading well under 1 MB of it."""
    size = big_clip.stat().st_size
    assert size > 20_000_000
    info = probe(range_server.url("big.mp4"), allowed_hosts=[range_server.address])
    assert info.size_bytes == size
    assert 0 < range_server.bytes_sent < 1_000_000
    assert range_server.bytes_sent < size / 20


def test_range_reader_counts_what_the_server_sent(range_server: RangeServer) -> None:
    """The reader's own count of bytes equals the server's count."""
    url = range_server.url("big.mp4")
    with RangeReader(url, allowed_hosts=[range_server.address]) as reader:
        reader.seek(-1000, 2)
        tail = reader.read(1000)
    assert len(tail) == 1000
    assert reader.bytes_read == range_server.bytes_sent


def test_a_server_that_ignores_ranges_is_read_within_the_byte_budget(
    range_server: RangeServer,
) -> None:
    """When the server sends whole files, the probe stops at ``max_bytes`` with a clear error."""
    with pytest.raises(MediaValidationError, match="within the first 1 MB"):
        probe(
            range_server.url("norange/big.mp4"),
            allowed_hosts=[range_server.address],
            max_bytes=1024 * 1024,
        )


def test_a_small_file_from_a_server_without_ranges_is_still_probed(
    range_server: RangeServer,
) -> None:
    """A server without range support is fine for files that fit in the byte budget."""
    info = probe(range_server.url("norange/small.mp4"), allowed_hosts=[range_server.address])
    assert (info.width, info.height) == (320, 240)


def test_a_slow_server_is_given_up_on_after_the_timeout(range_server: RangeServer) -> None:
    """A server that does not answer within ``timeout`` gives a plain error in about that time."""
    started = time.monotonic()
    with pytest.raises(
        MediaValidationError, match=re.escape("did not send the file's header within 0.5 s")
    ):
        probe(range_server.url("slow/small.mp4"), allowed_hosts=[range_server.address], timeout=0.5)
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing.mp4", "answered HTTP 404"),
        ("text.mp4", "could not be read as video or audio"),
    ],
)
def test_remote_errors_are_plain_sentences(
    range_server: RangeServer, path: str, message: str
) -> None:
    """A missing remote file or one that is not media raises MediaValidationError."""
    with pytest.raises(MediaValidationError, match=message):
        probe(range_server.url(path), allowed_hosts=[range_server.address])


@pytest.mark.parametrize(
    "allowed",
    [(), ("127.0.0.1:1",), ("example.com",)],
    ids=["nothing-allowed", "other-port", "other-host"],
)
def test_loopback_is_refused_without_contacting_it(
    range_server: RangeServer, allowed: tuple[str, ...]
) -> None:
    """A link to 127.0.0.1 is refused unless its host (and port) is allowed; no request is sent."""
    with pytest.raises(MediaValidationError, match="local or private network address"):
        probe(range_server.url("small.mp4"), allowed_hosts=allowed)
    assert range_server.requests == []


@pytest.mark.parametrize("entry", ["{address}", "127.0.0.1"], ids=["host-and-port", "host"])
def test_an_allowed_loopback_host_is_probed(range_server: RangeServer, entry: str) -> None:
    """``allowed_hosts`` takes ``host:port`` or a bare host."""
    allowed = [entry.format(address=range_server.address)]
    assert probe(range_server.url("small.mp4"), allowed_hosts=allowed).width == 320


def test_a_host_trusted_in_the_setting_is_probed(
    range_server: RangeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe honours ``LIPSYNC_FETCH_ALLOW`` like every other server-side fetch."""
    monkeypatch.setenv("LIPSYNC_FETCH_ALLOW", f"media.example, {range_server.address}")
    assert probe(range_server.url("small.mp4")).width == 320


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/clip.mp4",
        "http://10.1.2.3/clip.mp4",
        "http://172.16.0.9/clip.mp4",
        "http://192.168.1.20/clip.mp4",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/clip.mp4",
        "http://0.0.0.0/clip.mp4",
        "http://240.0.0.1/clip.mp4",
        "http://224.0.0.1/clip.mp4",
        "http://[::1]/clip.mp4",
        "http://[fe80::1]/clip.mp4",
        "http://[fc00::1]/clip.mp4",
        "http://[::ffff:127.0.0.1]/clip.mp4",
        "https://127.0.0.1:8443/clip.mp4",
    ],
)
def test_private_and_reserved_addresses_are_refused(url: str) -> None:
    """Loopback, private, shared, link-local, reserved and multicast addresses are refused."""
    with pytest.raises(MediaValidationError, match="local or private network address"):
        probe(url)


def test_a_redirect_to_a_private_address_is_refused(range_server: RangeServer) -> None:
    """An allowed server cannot redirect the probe to an address that is not allowed."""
    url = range_server.url("redirect?to=http://169.254.169.254/latest/meta-data")
    with pytest.raises(
        MediaValidationError, match=re.escape("169.254.169.254, a local or private")
    ):
        probe(url, allowed_hosts=[range_server.address])


def test_a_redirect_to_an_allowed_file_is_followed(range_server: RangeServer) -> None:
    """Redirects are followed when their target passes the same checks."""
    url = range_server.url(f"redirect?to={range_server.url('small.mp4')}")
    info = probe(url, allowed_hosts=[range_server.address])
    assert isinstance(info, MediaInfo)
    assert info.width == 320


def test_https_certificates_are_checked(https_server: RangeServer) -> None:
    """A server whose certificate is not trusted is refused, even on an allowed address."""
    with pytest.raises(MediaValidationError, match="security certificate is not valid"):
        probe(https_server.url("small.mp4", "https"), allowed_hosts=[https_server.address])


def test_https_with_a_trusted_certificate_is_probed(
    https_server: RangeServer, test_certificate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over TLS to a trusted certificate, the probe reads the file like over plain HTTP."""
    monkeypatch.setenv("SSL_CERT_FILE", str(test_certificate))
    info = probe(https_server.url("small.mp4", "https"), allowed_hosts=[https_server.address])
    assert (info.width, info.height, info.video_codec) == (320, 240, "h264")


def redirect_chain(server: RangeServer, hops: int) -> str:
    url = server.url("small.mp4")
    for _ in range(hops):
        url = server.url(f"redirect?to={url}")
    return url


def test_five_redirects_are_followed(range_server: RangeServer) -> None:
    """A chain of five redirects still reaches the file."""
    url = redirect_chain(range_server, 5)
    assert probe(url, allowed_hosts=[range_server.address]).width == 320


def test_a_sixth_redirect_is_refused(range_server: RangeServer) -> None:
    """A longer chain is refused in plain words."""
    url = redirect_chain(range_server, 6)
    with pytest.raises(MediaValidationError, match=r"This link redirects too many times\."):
        probe(url, allowed_hosts=[range_server.address])

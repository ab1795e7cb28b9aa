"""Real media written with PyAV into temporary folders, a real HTTP server that counts bytes, and
job services over a real database (SQLite, then PostgreSQL: ``database_url``) that run on the
embedded sandbox and its clock.
"""

from __future__ import annotations

import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from lipsync_core.callback_secret import job_callback_url, server_secret
from lipsync_core.config import Settings, load_settings
from lipsync_core.flows.clients import client_factories
from lipsync_core.flows.sources import uploads_dir
from lipsync_core.jobs import JobInputs, JobService, JobStore
from lipsync_core.receiver import Receiver
from lipsync_core.sandbox import SandboxServer

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_VIDEO = SAMPLES / "face.mp4"
SAMPLE_SPEECH = SAMPLES / "speech.wav"

Frames = Callable[[int, int, int], np.ndarray]
MakeService = Callable[..., JobService]


def gradient_frame(index: int, width: int, height: int) -> np.ndarray:
    """A faceless RGB picture: colour ramps and a bright square that moves with ``index``."""
    x = np.linspace(0, 255, width, dtype=np.uint8)
    y = np.linspace(0, 255, height, dtype=np.uint8)
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rgb[..., 0] = x[None, :]
    rgb[..., 1] = y[:, None]
    rgb[..., 2] = (index * 4) % 256
    side = height // 4
    left = (index * 8) % max(1, width - side)
    rgb[side : 2 * side, left : left + side] = 255
    return rgb


def write_clip(
    path: Path,
    *,
    seconds: float = 2.0,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    audio_seconds: float | None = None,
    frames: Frames = gradient_frame,
    faststart: bool = False,
    key_frame_every: int | None = None,
) -> Path:
    """An H.264 video (with an AAC tone of ``audio_seconds`` if given) at ``path``.

    ``key_frame_every``: a key frame every that many frames, as phones record (x264's own
    default is one every 250 frames, so a short clip has a single key frame).
    """
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast"}
        if key_frame_every is not None:
            every = key_frame_every
            video.options["x264-params"] = f"keyint={every}:min-keyint={every}:scenecut=0"
        audio = None if audio_seconds is None else out.add_stream("aac", rate=44_100, layout="mono")
        for index in range(round(seconds * fps)):
            rgb = frames(index, width, height)
            out.mux(video.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(video.encode(None))
        if audio is not None and audio_seconds is not None:
            _write_tone(out, audio, audio_seconds, 44_100)
    return path


def write_wav(path: Path, *, seconds: float = 3.0, rate: int = 16_000) -> Path:
    """A 16-bit mono WAV tone of exactly ``seconds``."""
    return write_audio(path, seconds=seconds, rate=rate)


def write_audio(
    path: Path, *, seconds: float = 3.0, rate: int = 16_000, codec: str = "pcm_s16le"
) -> Path:
    """A mono tone of ``seconds`` encoded with ``codec``; the container follows the file name."""
    with av.open(str(path), "w") as out:
        _write_tone(out, out.add_stream(codec, rate=rate, layout="mono"), seconds, rate)
    return path


def _write_tone(
    out: av.container.OutputContainer,
    stream: av.audio.stream.AudioStream,
    seconds: float,
    rate: int,
) -> None:
    t = np.arange(round(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
    out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def write_noise_clip(path: Path, *, frame_count: int = 100) -> Path:
    """A large (about 24 MB) 640×480 H.264 file with its index (``moov``) at the end."""
    noise = np.random.default_rng(0).integers(0, 255, (800, 640), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 640, 480, "yuv420p"
        video.options = {"preset": "ultrafast", "qp": "10"}
        for index in range(frame_count):
            planes = np.roll(noise, index * 7, axis=0)[:720]
            out.mux(video.encode(av.VideoFrame.from_ndarray(planes, format="yuv420p")))
        out.mux(video.encode(None))
    return path


@pytest.fixture(scope="session")
def sample_video() -> Path:
    """The shipped sample: 5 s of 1280×720 H.264 + AAC showing the astronaut's face."""
    return SAMPLE_VIDEO


@pytest.fixture(scope="session")
def sample_speech() -> Path:
    """The shipped sample speech: about 5 s of 16 kHz mono WAV."""
    return SAMPLE_SPEECH


@pytest.fixture(scope="session")
def sample_pictures() -> list[np.ndarray]:
    """The sample clip's 125 frames as 1280×720 RGB arrays."""
    with av.open(str(SAMPLE_VIDEO)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@pytest.fixture(scope="session")
def clip_writer() -> Callable[..., Path]:
    """:func:`write_clip`, to make a clip with chosen figures in a test's own folder."""
    return write_clip


@pytest.fixture(scope="session")
def wav_writer() -> Callable[..., Path]:
    """:func:`write_wav`, to make a WAV tone of a chosen length."""
    return write_wav


@pytest.fixture(scope="session")
def audio_writer() -> Callable[..., Path]:
    """:func:`write_audio`, to make an audio file with a chosen codec and container."""
    return write_audio


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def small_clip(media_dir: Path) -> Path:
    """2.0 s of 320×240 H.264 at 25 fps with a 2.5 s AAC track."""
    return write_clip(media_dir / "small.mp4", seconds=2.0, audio_seconds=2.5)


@pytest.fixture(scope="session")
def faceless_clip(media_dir: Path) -> Path:
    """3 s of 640×360 colour ramps: nothing that looks like a face, and no sound."""
    return write_clip(media_dir / "faceless.mp4", seconds=3.0, width=640, height=360)


@pytest.fixture(scope="session")
def big_clip(media_dir: Path) -> Path:
    return write_noise_clip(media_dir / "big.mp4")


@pytest.fixture(scope="session")
def small_media(media_dir: Path) -> JobInputs:
    """A 2 s 320×240 clip and a 2 s tone: renders fast, fine for AusyncLab and TwinSync."""
    video = write_clip(media_dir / "clip.mp4", seconds=2.0, audio_seconds=2.0)
    audio = write_wav(media_dir / "tone.wav", seconds=2.0)
    return JobInputs(video_path=str(video), audio_path=str(audio), video_name="clip.mp4")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Every provider on the sandbox, the data folder in ``tmp_path``, the history in an empty
    database (each test runs on SQLite and on PostgreSQL)."""
    environ = {
        "LIPSYNC_SANDBOX": "on",
        "LIPSYNC_DATA_DIR": str(tmp_path / "data"),
        "LIPSYNC_DATABASE_URL": database_url,
    }
    return load_settings(environ, secrets_path=None)


def sandbox_now(sandbox: SandboxServer) -> datetime:
    """The sandbox clock's time, as the services made by ``make_service`` see it."""
    return datetime.fromtimestamp(sandbox.clock.now(), UTC)


@pytest.fixture
def make_service(sandbox: SandboxServer, settings: Settings) -> Iterator[MakeService]:
    """A new service (as after a restart) over the same database, on the sandbox clock.

    ``timeout`` is the clients' HTTP timeout; other keywords go to :class:`JobService`.
    Every service made is closed at teardown.
    """
    made: list[JobService] = []

    def make(*, timeout: float = 30.0, **options: Any) -> JobService:
        factories = client_factories(settings, sandbox_base_urls=sandbox.base_urls, timeout=timeout)
        store = JobStore(settings.database_url)
        clock = partial(sandbox_now, sandbox)
        made.append(JobService(store, factories, settings, clock=clock, **options))
        return made[-1]

    yield make
    for service in made:
        service.close()


@pytest.fixture
def service(make_service: MakeService) -> JobService:
    """The one service most tests need: ``make_service()`` with its defaults."""
    return make_service()


@dataclass
class RangeServer:
    """A stdlib HTTP server on 127.0.0.1 serving files with ``Range`` support, counting bytes.

    Paths: ``/<name>`` serves a file with range support; ``/norange/<name>`` ignores ``Range``
    and sends the whole file; ``/slow/<name>`` waits before answering; ``/redirect?to=<url>``
    answers 302 to ``url``; anything else is 404.
    """

    files: dict[str, bytes]
    host: str = "127.0.0.1"
    port: int = 0
    bytes_sent: int = 0
    requests: list[str] = field(default_factory=list)
    slow_seconds: float = 5.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://{self.address}/{path.lstrip('/')}"

    def reset(self) -> None:
        with self.lock:
            self.bytes_sent = 0
            self.requests.clear()

    def count(self, sent: int) -> None:
        with self.lock:
            self.bytes_sent += sent


def _handler(server: RangeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            server.requests.append(self.path)
            if self.path.startswith("/redirect?to="):
                self._answer(302, b"", {"Location": self.path.removeprefix("/redirect?to=")})
                return
            mode, _, name = self.path.lstrip("/").rpartition("/")
            data = server.files.get(name)
            if data is None or mode not in ("", "norange", "slow"):
                self._answer(404, b"not found", {})
                return
            if mode == "slow":
                time.sleep(server.slow_seconds)
            span = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if mode == "norange" or span is None:
                self._answer(200, data, {})
                return
            first = int(span[1])
            last = min(int(span[2]) if span[2] else len(data) - 1, len(data) - 1)
            if first >= len(data):
                self._answer(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                return
            content_range = f"bytes {first}-{last}/{len(data)}"
            self._answer(206, data[first : last + 1], {"Content-Range": content_range})

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                for start in range(0, len(body), 64 * 1024):
                    self.wfile.write(body[start : start + 64 * 1024])
                    server.count(min(64 * 1024, len(body) - start))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler


def _serve(server: RangeServer, tls: ssl.SSLContext | None = None) -> Iterator[RangeServer]:
    httpd = ThreadingHTTPServer((server.host, 0), _handler(server))
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield server
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def range_server_session(big_clip: Path, small_clip: Path) -> Iterator[RangeServer]:
    files = {
        "big.mp4": big_clip.read_bytes(),
        "small.mp4": small_clip.read_bytes(),
        "face.mp4": SAMPLE_VIDEO.read_bytes(),
        "text.mp4": b"this is not a video, only some words" * 100,
    }
    yield from _serve(RangeServer(files))


@pytest.fixture
def range_server(range_server_session: RangeServer) -> RangeServer:
    """The session's server with its counters at zero."""
    range_server_session.reset()
    return range_server_session


# A self-signed certificate for 127.0.0.1 (valid 2000-2100) and its key, made for these tests
# only with ``openssl ca -selfsign``: it protects nothing.
TEST_CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIBXTCCAQKgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAkxMjcuMC4w
LjEwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABKsuCVMF7N49y5Wt
s0hSN6xhgKrnMhUghiSarLpVyLJiRfSoBorCKw/s85CC89DrerF+0DNiJZlKFUie
w29cLpSjQzBBMA8GA1UdEQQIMAaHBH8AAAEwDwYDVR0TAQH/BAUwAwEB/zAdBgNV
HQ4EFgQUh2AxJMv7Z8Qb/SSzP45Ke/VykIwwCgYIKoZIzj0EAwIDSQAwRgIhAPO0
lLodns12aPpZK7SxRUsF242aMSeIYncMs0hWxhUYAiEAyN/4Aobp7ToWgEwImr5U
L/xWZ3fPO83aIaIMyN4YNyI=
-----END CERTIFICATE-----
"""
TEST_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAdnUKpXtvyPizFa5
4ZELuQqOZ8J+Ja8Bt29Fgis1qi+hRANCAASrLglTBezePcuVrbNIUjesYYCq5zIV
IIYkmqy6VciyYkX0qAaKwisP7POQgvPQ63qxftAzYiWZShVInsNvXC6U
-----END PRIVATE KEY-----
"""


@pytest.fixture(scope="session")
def test_certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test certificate as a PEM file, to trust it through ``SSL_CERT_FILE``."""
    path = tmp_path_factory.mktemp("tls") / "certificate.pem"
    path.write_text(TEST_CERTIFICATE)
    return path


@pytest.fixture(scope="session")
def https_server(test_certificate: Path, small_clip: Path) -> Iterator[RangeServer]:
    """The range server over TLS on 127.0.0.1, with the test certificate."""
    key = test_certificate.with_name("key.pem")
    key.write_text(TEST_KEY)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(test_certificate, key)
    yield from _serve(RangeServer({"small.mp4": small_clip.read_bytes()}), tls)


@dataclass
class Receiving:
    """A job service whose AusyncLab jobs send their callbacks to a real receiver."""

    service: JobService
    receiver: Receiver
    settings: Settings

    def job_url(self, job_id: str) -> str:
        """The callback address the job was given (its own token under the server secret)."""
        secret = server_secret(self.settings.data_dir)
        return job_callback_url(self.receiver.callback_url, job_id, secret)


@pytest.fixture
def receiving(make_service: MakeService, settings: Settings) -> Iterator[Receiving]:
    """``make_service()`` with the receiver on a free port of 127.0.0.1 taking its callbacks."""
    service = make_service()
    secret = partial(server_secret, settings.data_dir)
    receiver = Receiver(uploads_dir(settings), service.record_callback, secret).start()
    service.callback_url = receiver.callback_url
    yield Receiving(service, receiver, settings)
    receiver.stop()

"""Probe a video or audio file — local, ``file://`` or http(s) — with PyAV, without downloading it.

Remote files are read through :class:`RangeReader`, a file-like object that fetches only the
byte ranges the demuxer asks for (an MP4 whose ``moov`` box sits at the end costs one extra
range request, not the whole file), within a byte budget and a deadline. Addresses are checked
before connecting: loopback, private, link-local and reserved networks are refused unless the
host is explicitly allowed (the embedded sandbox), and the connection goes to the address that
was checked, so a second DNS answer cannot point it elsewhere.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import ssl
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import av

from lipsync_core.errors import MediaValidationError

AV_TIME_BASE = 1_000_000
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
FIRST_READ = 64 * 1024
MAX_READAHEAD = 512 * 1024
# FFmpeg reads up to 5 MB by default to guess stream parameters that MP4, MOV, WebM, MKV, WAV
# and MP3 headers state anyway; 256 KiB gives the same figures and keeps remote probes small.
PROBE_OPTIONS = {"probesize": str(256 * 1024)}
USER_AGENT = "lipsync-dashboard-probe/1"
# Demuxers that read text as "ANSI art" pictures, and the ones for single still images.
TEXT_FORMATS = {"tty", "bin", "adf", "idf", "xbin"}
IMAGE_FORMATS = {"image2", "gif", "apng", "webp"}
UNREADABLE = (
    "could not be read as video or audio: it may be damaged, cut short, or not a media file"
)


@dataclass(frozen=True)
class MediaInfo:
    """What a probe found; figures in seconds, pixels and bytes, ``None`` when not known."""

    source: str
    format_name: str | None
    extension: str | None
    size_bytes: int | None
    duration: float | None
    video_codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    video_duration: float | None
    audio_codec: str | None
    audio_duration: float | None
    audio_sample_rate: int | None

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def probe(
    source: str | Path,
    *,
    allowed_hosts: Collection[str] = (),
    timeout: float = 15.0,
    max_bytes: int = 16 * 1024 * 1024,
) -> MediaInfo:
    """Describe the media at ``source``: a local path, a ``file://`` URL or an http(s) URL.

    ``allowed_hosts`` lists ``host`` or ``host:port`` entries that may be on loopback or private
    networks (the sandbox's own address). ``timeout`` bounds the whole remote probe in seconds,
    ``max_bytes`` the bytes downloaded for it. Raises :class:`MediaValidationError` with a plain
    sentence for anything that cannot be probed.
    """
    if isinstance(source, Path):
        return _probe_local(source)
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return _probe_remote(source, allowed_hosts, timeout, max_bytes)
    if scheme == "file":
        return _probe_local(Path(url2pathname(urlsplit(source).path)), source)
    if len(scheme) > 1 and not Path(source).exists():
        raise MediaValidationError(
            f"Only http and https links can be checked; this link starts with '{scheme}:'."
        )
    return _probe_local(Path(source))


def _probe_local(path: Path, source: str | None = None) -> MediaInfo:
    name = path.name or str(path)
    if not path.exists():
        raise MediaValidationError(f"The file {name} does not exist.")
    if not path.is_file():
        raise MediaValidationError(f"{name} is a folder or a device, not a media file.")
    size = path.stat().st_size
    if size == 0:
        raise MediaValidationError(f"The file {name} is empty.")
    try:
        with av.open(str(path), options=PROBE_OPTIONS) as container:
            return _describe(container, source or str(path), _extension(path.name), size)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaValidationError(f"The file {name} {UNREADABLE}.") from exc


def _probe_remote(
    url: str, allowed_hosts: Collection[str], timeout: float, max_bytes: int
) -> MediaInfo:
    with RangeReader(url, allowed_hosts=allowed_hosts, timeout=timeout, max_bytes=max_bytes) as f:
        if f.size == 0:
            raise MediaValidationError("The file at this link is empty.")
        try:
            with av.open(f, options=PROBE_OPTIONS) as container:
                return _describe(container, url, _extension(urlsplit(url).path), f.size)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise MediaValidationError(f"The file at this link {UNREADABLE}.") from exc


def _extension(path: str) -> str | None:
    suffix = Path(unquote(path)).suffix.lower().lstrip(".")
    return suffix or None


def _describe(
    container: av.container.InputContainer, source: str, extension: str | None, size: int | None
) -> MediaInfo:
    _ensure_media(container, source)
    video = next((s for s in container.streams.video if not _is_cover_art(s)), None)
    audio = next(iter(container.streams.audio), None)
    if video is None and audio is None:
        raise MediaValidationError(f"{_short(source)} has neither a video nor an audio track.")
    duration = container.duration / AV_TIME_BASE if container.duration is not None else None
    _ensure_complete(container, video or audio, source)
    rate = (video.average_rate or video.guessed_rate) if video else None
    return MediaInfo(
        source=source,
        format_name=container.format.name,
        extension=extension,
        size_bytes=size,
        duration=duration,
        video_codec=video.codec_context.name if video else None,
        width=video.codec_context.width or None if video else None,
        height=video.codec_context.height or None if video else None,
        fps=float(rate) if rate else None,
        video_duration=_stream_seconds(video, duration) if video else None,
        audio_codec=audio.codec_context.name if audio else None,
        audio_duration=_stream_seconds(audio, duration) if audio else None,
        audio_sample_rate=audio.sample_rate or None if audio else None,
    )


def _ensure_media(container: av.container.InputContainer, source: str) -> None:
    name = container.format.name
    if name in TEXT_FORMATS:
        raise MediaValidationError(f"{_short(source)} {UNREADABLE}.")
    if name in IMAGE_FORMATS or name.endswith("_pipe"):
        raise MediaValidationError(f"{_short(source)} is a still image, not a video or audio file.")


def _is_cover_art(stream: av.video.stream.VideoStream) -> bool:
    """An MP3's or M4A's embedded cover picture shows up as a one-frame video stream."""
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _stream_seconds(stream: av.stream.Stream, fallback: float | None) -> float | None:
    """The stream's own length; the container's when the format keeps none per stream (MKV)."""
    if stream.duration is None or stream.time_base is None:
        return fallback
    return float(stream.duration * stream.time_base)


def _ensure_complete(
    container: av.container.InputContainer, stream: av.stream.Stream, source: str
) -> None:
    """Read the packet at the stream's announced end: a file cut short has nothing there.

    A damaged or cut-short MP4 whose index sits at the start still opens and announces its full
    length; only reading near the end shows that the data is missing. This costs one seek and
    one packet (one range request for a remote file). Matroska and WebM cannot seek to any frame,
    so for them the last key frame is read instead (a cut after it goes unnoticed); a file in
    which seeking fails is not judged at all.
    """
    target = _last_timestamp(container, stream)
    if target is None:
        return
    try:
        container.seek(target, stream=stream, backward=True, any_frame=not _is_matroska(container))
    except av.FFmpegError:
        return
    try:
        packet = next((p for p in container.demux(stream) if p.size), None)
    except av.FFmpegError as exc:
        raise MediaValidationError(f"{_short(source)} {UNREADABLE}.") from exc
    if packet is None or packet.is_corrupt:
        raise MediaValidationError(
            f"{_short(source)} ends before its announced length: it seems to be cut short "
            "(an interrupted download or upload); get the complete file and try again."
        )


def _last_timestamp(container: av.container.InputContainer, stream: av.stream.Stream) -> int | None:
    """The stream's last timestamp in its own time base, when its length is known."""
    if stream.time_base is None:
        return None
    length = stream.duration
    if length is None and container.duration is not None:
        length = int(container.duration / AV_TIME_BASE / stream.time_base)
    if length is None:
        return None
    return (stream.start_time or 0) + max(0, length - 1)


def _is_matroska(container: av.container.InputContainer) -> bool:
    return container.format.name.startswith("matroska")


def _short(source: str) -> str:
    if urlsplit(source).scheme in ("http", "https"):
        return "The file at this link"
    return f"The file {Path(source).name}"


@dataclass(frozen=True)
class _Target:
    """One http(s) URL whose host was resolved and checked, and the address to connect to."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def _target(url: str, allowed_hosts: Collection[str]) -> _Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise MediaValidationError(
            f"Only http and https links can be checked; this link starts with '{scheme}:'."
        )
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise MediaValidationError("This link has an invalid port number.") from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise MediaValidationError("This link has no host name.")
    address = _checked_address(host, port, _is_allowed(host, port, allowed_hosts))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, host, port, address, path)


def _is_allowed(host: str, port: int, allowed_hosts: Collection[str]) -> bool:
    allowed = {entry.lower() for entry in allowed_hosts}
    named = f"[{host}]" if ":" in host else host
    return bool(allowed & {host, named, f"{named}:{port}"})


def _checked_address(host: str, port: int, allowed: bool) -> str:
    """Resolve ``host`` and refuse it if any address is not public (unless ``allowed``)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaValidationError(f"The host name {host} could not be found.") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not allowed:
        for address in addresses:
            if not _is_public(address):
                raise MediaValidationError(
                    f"This link points to {address}, a local or private network address; "
                    "media is only read from public addresses."
                )
    return addresses[0]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand, whatever DNS says later."""

    def __init__(self, target: _Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The HTTPS twin of :class:`_PinnedHTTPConnection`; certificates are checked for the host."""

    def __init__(self, target: _Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class RangeReader(io.RawIOBase):
    """A read-only, seekable file over HTTP range requests, bounded in bytes and in time.

    Reads fetch at least 64 KiB and double the read-ahead while reads stay sequential (up to
    512 KiB); every fetched window is kept, so going back to a byte already read costs nothing.
    A server that ignores ``Range`` is read as a plain stream from the start, still within
    ``max_bytes``. ``bytes_read`` counts every body byte received.
    """

    def __init__(
        self,
        url: str,
        *,
        allowed_hosts: Collection[str] = (),
        timeout: float = 15.0,
        max_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        super().__init__()
        self.url = url
        self.allowed_hosts = allowed_hosts
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline = time.monotonic() + timeout
        self.bytes_read = 0
        self.size: int | None = None
        self._target = _target(url, allowed_hosts)
        self._connection: http.client.HTTPConnection | None = None
        self._windows: list[tuple[int, bytes]] = []
        self._position = 0
        self._readahead = FIRST_READ
        self._last_end = -1
        self._fetch(0, FIRST_READ)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            if self.size is None:
                raise OSError("the server did not say how long the file is")
            offset += self.size
        elif whence == io.SEEK_CUR:
            offset += self._position
        self._position = max(0, offset)
        return self._position

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = (self.size or self._position + FIRST_READ) - self._position
        if size == 0 or (self.size is not None and self._position >= self.size):
            return b""
        chunk = self._cached(self._position, size)
        if chunk is None:
            self._fetch(self._position, self._next_length(size))
            chunk = self._cached(self._position, size) or b""
        self._position += len(chunk)
        return chunk

    def close(self) -> None:
        self.close_connection()
        super().close()

    def close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _cached(self, position: int, size: int) -> bytes | None:
        for start, data in self._windows:
            if start <= position < start + len(data):
                offset = position - start
                return data[offset : offset + size]
        return None

    def _next_length(self, size: int) -> int:
        sequential = self._position == self._last_end
        self._readahead = min(self._readahead * 2, MAX_READAHEAD) if sequential else FIRST_READ
        return max(size, self._readahead)

    def _fetch(self, start: int, length: int) -> None:
        if self.size is not None:
            length = min(length, self.size - start)
        length = min(length, self.max_bytes - self.bytes_read)
        if length <= 0:
            raise self._budget_error()
        data = self._get_range(start, length)
        self._windows.append((start, data))
        self._last_end = start + len(data)

    def _get_range(self, start: int, length: int) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(start, length)
            if response.status not in REDIRECT_STATUSES:
                return self._range_body(response, start, length)
            location = response.getheader("Location")
            self.close_connection()  # the redirect's body is never read: it could be endless
            if not location:
                raise MediaValidationError("The server redirected this link to nowhere.")
            self.url = urljoin(self.url, location)
            self._target = _target(self.url, self.allowed_hosts)
        raise MediaValidationError("This link redirects too many times.")

    def _send(self, start: int, length: int) -> http.client.HTTPResponse:
        headers = {
            "Range": f"bytes={start}-{start + length - 1}",
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "identity",
        }
        try:
            connection = self._connect()
            connection.request("GET", self._target.path, headers=headers)
            return connection.getresponse()
        except TimeoutError as exc:
            raise self._timeout_error() from exc
        except (OSError, http.client.HTTPException) as exc:
            self.close_connection()
            raise self._network_error(exc) from exc

    def _connect(self) -> http.client.HTTPConnection:
        remaining = self._remaining()
        if self._connection is None:
            kind = (
                _PinnedHTTPSConnection if self._target.scheme == "https" else _PinnedHTTPConnection
            )
            self._connection = kind(self._target, remaining)
        self._connection.timeout = remaining
        if self._connection.sock is not None:
            self._connection.sock.settimeout(remaining)
        return self._connection

    def _range_body(self, response: http.client.HTTPResponse, start: int, length: int) -> bytes:
        if response.status == 206:
            self._learn_size_from_range(response.getheader("Content-Range"), start)
            return self._read_body(response, length)
        if response.status == 416:
            self.close_connection()
            self.size = start if self.size is None else self.size
            return b""
        if response.status == 200:
            content_length = response.getheader("Content-Length")
            self.size = int(content_length) if content_length and content_length.isdigit() else None
            body = self._read_body(response, start + length)[start:]
            self.close_connection()
            return body
        response.read(0)
        self.close_connection()
        raise MediaValidationError(
            f"The server answered HTTP {response.status} for this link; check that the link is "
            "right and that the file is publicly readable."
        )

    def _learn_size_from_range(self, content_range: str | None, start: int) -> None:
        """Parse ``bytes first-last/total``; refuse an answer that starts elsewhere."""
        unit, _, spec = (content_range or "").partition(" ")
        span, _, total = spec.partition("/")
        first = span.partition("-")[0]
        if unit != "bytes" or not first.isdigit() or int(first) != start:
            self.close_connection()
            raise MediaValidationError("The server answered a range request with other bytes.")
        if total.isdigit():
            self.size = int(total)

    def _read_body(self, response: http.client.HTTPResponse, length: int) -> bytes:
        """Up to ``length`` body bytes, checking the deadline and budget between socket reads."""
        parts: list[bytes] = []
        received = 0
        while received < length:
            self._set_socket_timeout()
            try:
                chunk = response.read1(min(length - received, 256 * 1024))
            except TimeoutError as exc:
                self.close_connection()
                raise self._timeout_error() from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close_connection()
                raise self._network_error(exc) from exc
            if not chunk:
                break
            if self.bytes_read + len(chunk) > self.max_bytes:
                self.close_connection()
                raise self._budget_error()
            parts.append(chunk)
            received += len(chunk)
            self.bytes_read += len(chunk)
        if response.length == 0:
            response.read()  # marks the response done, so the connection can be reused
        elif not response.isclosed():
            self.close_connection()
        return b"".join(parts)

    def _set_socket_timeout(self) -> None:
        remaining = self._remaining()
        if self._connection is not None and self._connection.sock is not None:
            self._connection.sock.settimeout(remaining)

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._timeout_error()
        return remaining

    def _budget_error(self) -> MediaValidationError:
        return MediaValidationError(
            f"The file at this link could not be read within the first "
            f"{self.max_bytes / (1024 * 1024):g} MB downloaded; it may be damaged or laid out "
            "unusually (saving it again as MP4 usually helps)."
        )

    def _timeout_error(self) -> MediaValidationError:
        self.close_connection()
        return MediaValidationError(
            f"The server at {self._target.host} did not send the file's header within "
            f"{self.timeout:g} s; try again later or use another link."
        )

    def _network_error(self, exc: Exception) -> MediaValidationError:
        reason = str(exc)
        if isinstance(exc, ssl.SSLCertVerificationError):
            reason = "its security certificate is not valid"
        return MediaValidationError(f"Could not reach {self._target.host}: {reason}.")

"""Probe a video or audio file — local, ``file://`` or http(s) — with PyAV, without downloading it.

Remote files are read through :class:`~lipsync_core.media.range_reader.RangeReader`, which
fetches only the byte ranges the demuxer asks for, within a byte budget and a deadline, from
addresses checked by :mod:`lipsync_core.address_guard` (loopback, private, link-local and reserved
networks are refused unless the host is trusted: this app's own servers, ``LIPSYNC_FETCH_ALLOW``,
or ``allowed_hosts``). A ``file://`` link is read only inside the uploads or the samples folder;
a plain path is the app's own file and is read as it is.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from urllib.parse import unquote, urlsplit

import av

from lipsync_core.address_guard import checked_file
from lipsync_core.errors import MediaValidationError
from lipsync_core.i18n import _
from lipsync_core.media.caps import DECODER_OPTIONS
from lipsync_core.media.info import MediaInfo
from lipsync_core.media.range_reader import RangeReader

AV_TIME_BASE = 1_000_000
# FFmpeg reads up to 5 MB by default to guess stream parameters that MP4, MOV, WebM, MKV, WAV
# and MP3 headers state anyway; 256 KiB gives the same figures and keeps remote probes small.
# Opening may decode a frame to learn its format: not one over the picture cap.
PROBE_OPTIONS = {"probesize": str(256 * 1024), **DECODER_OPTIONS}
# Demuxers that read text as "ANSI art" pictures, and the ones for single still images.
TEXT_FORMATS = {"tty", "bin", "adf", "idf", "xbin"}
IMAGE_FORMATS = {"image2", "gif", "apng", "webp"}


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
        return _probe_local(checked_file(source), source)
    if len(scheme) > 1 and not Path(source).exists():
        raise MediaValidationError(
            _(
                "Only http and https links can be checked; this link starts with '{scheme}:'."
            ).format(scheme=scheme)
        )
    return _probe_local(Path(source))


def _probe_local(path: Path, source: str | None = None) -> MediaInfo:
    name = path.name or str(path)
    if not path.exists():
        raise MediaValidationError(_("The file {name} does not exist.").format(name=name))
    if not path.is_file():
        raise MediaValidationError(
            _("{name} is a folder or a device, not a media file.").format(name=name)
        )
    size = path.stat().st_size
    if size == 0:
        raise MediaValidationError(_("The file {name} is empty.").format(name=name))
    try:
        with av.open(str(path), options=PROBE_OPTIONS) as container:
            return _describe(container, source or str(path), _extension(path.name), size)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaValidationError(_unreadable(str(path))) from exc


def _probe_remote(
    url: str, allowed_hosts: Collection[str], timeout: float, max_bytes: int
) -> MediaInfo:
    with RangeReader(url, allowed_hosts=allowed_hosts, timeout=timeout, max_bytes=max_bytes) as f:
        if f.size == 0:
            raise MediaValidationError(_("The file at this link is empty."))
        try:
            with av.open(f, options=PROBE_OPTIONS) as container:
                return _describe(container, url, _extension(urlsplit(url).path), f.size)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise MediaValidationError(_unreadable(url)) from exc


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
        raise MediaValidationError(
            _about(
                source,
                _("The file at this link has neither a video nor an audio track."),
                _("The file {name} has neither a video nor an audio track."),
            )
        )
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
        raise MediaValidationError(_unreadable(source))
    if name in IMAGE_FORMATS or name.endswith("_pipe"):
        raise MediaValidationError(
            _about(
                source,
                _("The file at this link is a still image, not a video or audio file."),
                _("The file {name} is a still image, not a video or audio file."),
            )
        )


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
        raise MediaValidationError(_unreadable(source)) from exc
    if packet is None or packet.is_corrupt:
        raise MediaValidationError(
            _about(
                source,
                _(
                    "The file at this link ends before its announced length: it seems to be cut "
                    "short (an interrupted download or upload); get the complete file and try "
                    "again."
                ),
                _(
                    "The file {name} ends before its announced length: it seems to be cut short "
                    "(an interrupted download or upload); get the complete file and try again."
                ),
            )
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


def _about(source: str, at_link: str, named: str) -> str:
    """The message about a file at a link, or the one naming a file (``{name}``)."""
    if urlsplit(source).scheme in ("http", "https"):
        return at_link
    return named.format(name=Path(source).name)


def _unreadable(source: str) -> str:
    return _about(
        source,
        _(
            "The file at this link could not be read as video or audio: it may be damaged, cut "
            "short, or not a media file."
        ),
        _(
            "The file {name} could not be read as video or audio: it may be damaged, cut short, "
            "or not a media file."
        ),
    )

"""Reading the inputs of a sandbox render with PyAV, with plain-sentence errors, in bounded memory.

Every PyAV or file-system error met while reading an input becomes a ``MediaValidationError``
that says which input could not be read; the original error is kept as its cause. An input
larger than any provider takes (:data:`~lipsync_core.media.caps.DECODE_CAPS`: picture size,
length, bytes) is refused before a frame is decoded, and decoders refuse larger pictures whatever
the file states. Sound is never held whole: :func:`measure_sound` counts it once, and a
:class:`SoundReader` decodes it again in order, window by window, as the output is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from lipsync_core.errors import MediaValidationError
from lipsync_core.media.caps import DECODE_CAPS, ensure_decodable
from lipsync_core.media.frame_sampling import open_capped
from lipsync_core.sandbox.render_timeline import AUDIO_CHANNELS, AUDIO_RATE, samples_for

FALLBACK_FPS = Fraction(25)
THUMBNAIL_SEARCH_FRAMES = 90
CODEC_PADDING_LIMIT = AUDIO_RATE // 20  # 50 ms: a few AAC or MP3 frames
MAX_SOUND_SAMPLES = samples_for(DECODE_CAPS.max_seconds)
# Pictures above this many pixels (1080p) are decoded on one thread: frame threads each hold
# frames of their own.
THREADED_PIXELS = 1920 * 1088


def _set_threads(stream: av.video.stream.VideoStream) -> None:
    context = stream.codec_context
    if context.width * context.height > THREADED_PIXELS:
        context.thread_count = 1
    else:
        stream.thread_type = "AUTO"


@dataclass(frozen=True)
class VideoInfo:
    """What a render needs to know about a source video before decoding it."""

    frame_count: int
    fps: Fraction
    width: int  # even, as H.264 in yuv420p needs
    height: int  # even
    start_seconds: float

    @property
    def seconds(self) -> float:
        return float(self.frame_count / self.fps)


@dataclass(frozen=True)
class Sound:
    """A sound track measured, not kept: ``samples`` at ``AUDIO_RATE`` (its decoded length, less
    codec padding), from ``start_seconds`` of its file."""

    path: Path
    what: str
    samples: int
    start_seconds: float

    @property
    def seconds(self) -> float:
        return self.samples / AUDIO_RATE


@contextmanager
def reading(path: Path, what: str) -> Iterator[None]:
    """Turn any failure to read ``path`` into a ``MediaValidationError`` naming the input."""
    if not Path(path).is_file():
        raise MediaValidationError(f"The {what} file was not found.")
    try:
        yield
    except (av.FFmpegError, OSError) as exc:
        raise MediaValidationError(
            f"The {what} file could not be read; it may be damaged or not a {what} file."
        ) from exc


def probe_video(path: Path) -> VideoInfo:
    """Frame rate, even frame size and exact frame count (by demuxing, without decoding).

    Refuses a picture, a length (counted in frames, up to the cap) or a file larger than the caps.
    """
    with reading(path, "video"), open_capped(path) as container:
        if not container.streams.video:
            raise MediaValidationError("The video file has no picture track.")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        size = Path(path).stat().st_size
        ensure_decodable("The video", width=width, height=height, size_bytes=size)
        if width < 2 or height < 2:
            raise MediaValidationError("The video file has no readable picture size.")
        fps = _frame_rate(stream)
        most = int(DECODE_CAPS.max_seconds * fps)
        count = 0
        for packet in container.demux(stream):
            count += bool(packet.size and not packet.is_discard)
            if count > most:
                ensure_decodable("The video", seconds=float(count / fps))
        if count == 0:
            raise MediaValidationError("The video file has no frames.")
        start = stream.start_time * stream.time_base if stream.start_time is not None else 0
        return VideoInfo(count, fps, width & ~1, height & ~1, float(start))


def _frame_rate(stream: av.video.stream.VideoStream) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 1 <= rate <= 240:
            return Fraction(rate)
    return FALLBACK_FPS


def iter_video_planes(path: Path, info: VideoInfo) -> Iterator[np.ndarray]:
    """Each decoded frame as one yuv420p array (height * 3 / 2 x width), in display order."""
    with reading(path, "video"), open_capped(path) as container:
        stream = container.streams.video[0]
        _set_threads(stream)
        for frame in container.decode(stream):
            yield _yuv420p(frame, info.width, info.height)


def _yuv420p(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    if frame.format.name == "yuv420p" and (frame.width, frame.height) == (width, height):
        return frame.to_ndarray()
    return frame.to_ndarray(format="yuv420p", width=width, height=height)


def measure_sound(path: Path, what: str, *, required: bool) -> Sound | None:
    """The first sound track of ``path``, decoded once to count its samples at ``AUDIO_RATE``.

    Without a sound track: ``None``, or a ``MediaValidationError`` when ``required``; a track
    longer than the caps is refused (as soon as its decoding passes them).
    """
    with reading(path, what), open_capped(path) as container:
        if not container.streams.audio:
            if required:
                raise MediaValidationError(f"The {what} file has no sound track.")
            return None
        stream = container.streams.audio[0]
        stated = _stated_samples(stream)
        if stated is not None and stated > MAX_SOUND_SAMPLES:
            ensure_decodable(f"The {what}", seconds=stated / AUDIO_RATE)
        count, start = 0, None
        for begins, chunk in _resampled(container, stream):
            start = begins if start is None else start
            count += chunk.shape[1]
            if count > MAX_SOUND_SAMPLES:
                ensure_decodable(f"The {what}", seconds=count / AUDIO_RATE)
    if stated is not None and 0 < count - stated <= CODEC_PADDING_LIMIT:
        count = stated
    if required and count == 0:
        raise MediaValidationError(f"The {what} file has no sound in it.")
    return Sound(Path(path), what, count, start or 0.0)


class SoundReader:
    """A measured sound decoded again in order: :meth:`take` asks for windows that never go
    back, as stereo float32 (mono is copied to both channels at full level; the resampler's own
    upmix would lower it by 3 dB)."""

    def __init__(self, sound: Sound) -> None:
        self.sound = sound
        self._container = open_capped(sound.path)
        stream = self._container.streams.audio[0]
        self._chunks = (chunk for _, chunk in _resampled(self._container, stream))
        self._buffer = np.zeros((AUDIO_CHANNELS, 0), np.float32)
        self._buffer_start = 0

    def __enter__(self) -> SoundReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._chunks.close()
        self._container.close()

    def take(self, first: int, last: int) -> np.ndarray:
        """Samples ``[first, last)`` (zeros past the end of the sound)."""
        with reading(self.sound.path, self.sound.what):
            while self._buffer_start + self._buffer.shape[1] < last:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                kept = self._buffer[:, max(0, first - self._buffer_start) :]
                self._buffer_start += self._buffer.shape[1] - kept.shape[1]
                self._buffer = np.concatenate([kept, _stereo(chunk)], axis=1)
        window = self._buffer[:, first - self._buffer_start : last - self._buffer_start]
        if window.shape[1] < last - first:
            window = np.pad(window, ((0, 0), (0, last - first - window.shape[1])))
        return window


def _resampled(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> Iterator[tuple[float | None, np.ndarray]]:
    """Each decoded frame's time and its samples at ``AUDIO_RATE`` (mono or stereo, fltp)."""
    mono = stream.codec_context.layout.nb_channels == 1
    resampler = av.AudioResampler(
        format="fltp", layout="mono" if mono else "stereo", rate=AUDIO_RATE
    )
    for frame in container.decode(stream):
        for resampled in resampler.resample(frame):
            yield frame.time, resampled.to_ndarray()
    for resampled in resampler.resample(None):
        yield None, resampled.to_ndarray()


def _stereo(samples: np.ndarray) -> np.ndarray:
    return np.repeat(samples, AUDIO_CHANNELS, axis=0) if samples.shape[0] == 1 else samples


def _stated_samples(stream: av.audio.stream.AudioStream) -> int | None:
    """The length the container states for a sound track, in output samples, if it does.

    AAC and MP3 decoders emit whole frames, so a track decodes slightly longer than it is; the
    stated length trims that padding. Only small excesses are trimmed: a stated length can be a
    bitrate estimate (VBR MP3) shorter than the real sound.
    """
    if stream.duration is None or stream.time_base is None:
        return None
    return samples_for(float(stream.duration * stream.time_base))


def first_good_frame(path: Path, max_width: int) -> np.ndarray:
    """The first frame that is neither flat nor near black or white, as BGR at most that wide.

    Looks at up to ``THUMBNAIL_SEARCH_FRAMES`` frames (fade-ins, black leaders); if none is
    good, the most detailed of them. The bottom tenth is not judged, so that the caption strip of
    a sandbox render does not make a black frame look good.
    """
    with reading(path, "video"), open_capped(path) as container:
        if not container.streams.video:
            raise MediaValidationError("The video file has no picture track.")
        stream = container.streams.video[0]
        _set_threads(stream)
        best: av.VideoFrame | None = None
        best_spread = -1.0
        for number, frame in enumerate(container.decode(stream)):
            gray = frame.to_ndarray(format="gray")[: frame.height * 9 // 10 : 4, ::4]
            spread = float(gray.std())
            if spread >= 10 and 20 <= gray.mean() <= 235:
                best = frame
                break
            if spread > best_spread:
                best, best_spread = frame, spread
            if number + 1 >= THUMBNAIL_SEARCH_FRAMES:
                break
        if best is None:
            raise MediaValidationError("The video file has no frames.")
        width = min(max_width, best.width)
        height = max(1, round(best.height * width / best.width))
        return best.to_ndarray(format="bgr24", width=width, height=height)

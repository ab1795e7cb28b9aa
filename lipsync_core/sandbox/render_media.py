"""Reading the inputs of a sandbox render with PyAV, with plain-sentence errors.

Every PyAV or file-system error met while reading an input becomes a ``MediaValidationError``
that says which input could not be read; the original error is kept as its cause.
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
from lipsync_core.sandbox.render_timeline import AUDIO_CHANNELS, AUDIO_RATE, samples_for

FALLBACK_FPS = Fraction(25)
THUMBNAIL_SEARCH_FRAMES = 90
CODEC_PADDING_LIMIT = AUDIO_RATE // 20  # 50 ms: a few AAC or MP3 frames


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
class Audio:
    """A decoded sound track: float32 samples, channels x n, at ``AUDIO_RATE``."""

    samples: np.ndarray
    start_seconds: float

    @property
    def seconds(self) -> float:
        return self.samples.shape[1] / AUDIO_RATE


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
    """Frame rate, even frame size and exact frame count (by demuxing, without decoding)."""
    with reading(path, "video"), av.open(str(path)) as container:
        if not container.streams.video:
            raise MediaValidationError("The video file has no picture track.")
        stream = container.streams.video[0]
        width = stream.codec_context.width & ~1
        height = stream.codec_context.height & ~1
        if width < 2 or height < 2:
            raise MediaValidationError("The video file has no readable picture size.")
        count = sum(1 for p in container.demux(stream) if p.size and not p.is_discard)
        if count == 0:
            raise MediaValidationError("The video file has no frames.")
        start = stream.start_time * stream.time_base if stream.start_time is not None else 0
        return VideoInfo(count, _frame_rate(stream), width, height, float(start))


def _frame_rate(stream: av.video.stream.VideoStream) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 1 <= rate <= 240:
            return Fraction(rate)
    return FALLBACK_FPS


def iter_video_planes(path: Path, info: VideoInfo) -> Iterator[np.ndarray]:
    """Each decoded frame as one yuv420p array (height * 3 / 2 x width), in display order."""
    with reading(path, "video"), av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            yield _yuv420p(frame, info.width, info.height)


def _yuv420p(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    if frame.format.name == "yuv420p" and (frame.width, frame.height) == (width, height):
        return frame.to_ndarray()
    return frame.to_ndarray(format="yuv420p", width=width, height=height)


def decode_audio(path: Path, what: str, *, required: bool) -> Audio | None:
    """The first sound track of ``path``, resampled to stereo at ``AUDIO_RATE``.

    Mono is copied to both channels at full level (the resampler's own upmix would lower it by
    3 dB). Without a sound track: ``None``, or a ``MediaValidationError`` when ``required``.
    """
    with reading(path, what), av.open(str(path)) as container:
        if not container.streams.audio:
            if required:
                raise MediaValidationError(f"The {what} file has no sound track.")
            return None
        stream = container.streams.audio[0]
        channels = 1 if stream.codec_context.layout.nb_channels == 1 else AUDIO_CHANNELS
        resampler = av.AudioResampler(
            format="fltp", layout="mono" if channels == 1 else "stereo", rate=AUDIO_RATE
        )
        chunks: list[np.ndarray] = []
        start: float | None = None
        for frame in container.decode(stream):
            if start is None and frame.time is not None:
                start = frame.time
            chunks.extend(f.to_ndarray() for f in resampler.resample(frame))
        chunks.extend(f.to_ndarray() for f in resampler.resample(None))
        stated = _stated_samples(stream)
    samples = np.concatenate(chunks, axis=1) if chunks else np.zeros((channels, 0), np.float32)
    if stated is not None and 0 < samples.shape[1] - stated <= CODEC_PADDING_LIMIT:
        samples = samples[:, :stated]
    if required and samples.shape[1] == 0:
        raise MediaValidationError(f"The {what} file has no sound in it.")
    if channels == 1:
        samples = np.repeat(samples, AUDIO_CHANNELS, axis=0)
    return Audio(np.ascontiguousarray(samples, dtype=np.float32), start or 0.0)


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
    with reading(path, "video"), av.open(str(path)) as container:
        if not container.streams.video:
            raise MediaValidationError("The video file has no picture track.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
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

"""The sandbox's output renderer: real files that stand in for a provider's lip-sync result.

No lip movement is generated. The source video is re-timed to the new audio (AusyncLab's
``sync_mode``, TwinSync) or given Kling's trimmed and inserted sound, every frame carries the
caption ``SANDBOX_CAPTION``, and the result is H.264 + AAC in an .mp4 with the index first
(``movflags=+faststart``), at the source's frame rate and (even) size.

How the work is shared: ``render_timeline`` holds the arithmetic (lengths, frame order, where
sound plays), ``render_media`` reads inputs, ``render_frames`` reorders decoded frames without
decoding twice, ``render_caption`` draws the marks and ``render_output`` writes the file.

Memory is bounded whatever the inputs: inputs larger than any provider takes are refused before
a frame is decoded (``render_media``), frames are decoded one at a time and those shown again
later spill to disk past a small budget (``render_frames``), and sound is mixed window by window
as it is written (:class:`Mix`). ``bench/bench_memory.py`` measures the peaks.
"""

from __future__ import annotations

import os
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lipsync_core.errors import MediaValidationError
from lipsync_core.sandbox.render_caption import banner, tag_thumbnail
from lipsync_core.sandbox.render_frames import frames_in_order
from lipsync_core.sandbox.render_media import (
    Sound,
    SoundReader,
    VideoInfo,
    first_good_frame,
    iter_video_planes,
    measure_sound,
    probe_video,
)
from lipsync_core.sandbox.render_output import Mp4Writer
from lipsync_core.sandbox.render_timeline import (
    AUDIO_CHANNELS,
    AUDIO_RATE,
    SYNC_MODES,
    Span,
    aligned_span,
    check_sync_mode,
    fitted_span,
    frame_indices,
    frames_for,
    kling_sound_span,
    output_seconds,
    samples_for,
)

__all__ = [
    "SANDBOX_CAPTION",
    "SYNC_MODES",
    "RenderResult",
    "fit_to_audio",
    "kling_mix",
    "thumbnail",
]

SANDBOX_CAPTION = "SANDBOX RENDER - no lip movement generated"
THUMBNAIL_MAX_WIDTH = 480
JPEG_QUALITY = 85


@dataclass(frozen=True)
class RenderResult:
    """What was written."""

    duration: float  # seconds, of the output
    width: int
    height: int


def fit_to_audio(
    video_path: Path, audio_path: Path, out_path: Path, *, sync_mode: str
) -> RenderResult:
    """The source video fitted to the audio by ``sync_mode``, with the audio as its track.

    AusyncLab (Prime and v2/Nova): ``loop`` restarts the video until the audio ends; ``bounce``
    plays it forward then backward, repeating; ``remap`` time-stretches it to the audio's length;
    ``cut_off`` cuts the longer track (output = the shorter length); ``silence`` cuts nothing and
    pads the shorter track, with silence for audio and the last frame held for video (output =
    the longer length).

    TwinSync's ``/videotalking`` does not say what it does when the video and audio lengths
    differ; the sandbox renders TwinSync jobs with ``sync_mode="loop"``, AusyncLab's default.

    Raises ``ValueError`` for an unknown ``sync_mode`` and ``MediaValidationError`` when an input
    cannot be read or lacks the picture or sound track it needs.
    """
    check_sync_mode(sync_mode)
    video_path, out_path = Path(video_path), Path(out_path)
    info = probe_video(video_path)
    sound = _sound(audio_path)
    seconds = output_seconds(sync_mode, info.seconds, sound.seconds)
    order = frame_indices(sync_mode, info.frame_count, frames_for(seconds, info.fps))
    length = samples_for(seconds)
    track = Mix(length, [(sound, fitted_span(sound.samples, length))])
    return _render(video_path, info, order, track, out_path)


def kling_mix(
    video_path: Path,
    audio_path: Path,
    out_path: Path,
    *,
    sound_start_ms: int,
    sound_end_ms: int,
    sound_insert_ms: int,
    sound_volume: float = 1.0,
    original_audio_volume: float = 1.0,
) -> RenderResult:
    """Kling's result: the whole original video, with the chosen audio mixed into its sound.

    The audio is trimmed to [``sound_start_ms``, ``sound_end_ms``], inserted at
    ``sound_insert_ms`` of the video and mixed with the video's own audio at ``sound_volume`` /
    ``original_audio_volume``; a video without audio gets the inserted audio over silence.
    Output length = the video's length. Out-of-range times are clamped, not refused.
    """
    video_path, out_path = Path(video_path), Path(out_path)
    info = probe_video(video_path)
    original = measure_sound(video_path, "video", required=False)
    sound = _sound(audio_path)
    length = samples_for(info.seconds)
    inserted = kling_sound_span(
        sound.samples,
        length,
        sound_start_ms=sound_start_ms,
        sound_end_ms=sound_end_ms,
        sound_insert_ms=sound_insert_ms,
        sound_volume=sound_volume,
    )
    parts = [(sound, inserted)]
    if original is not None:  # its sample 0 plays at its first frame's time
        offset = samples_for(original.start_seconds - info.start_seconds)
        span = aligned_span(original.samples, offset, length, original_audio_volume)
        parts.insert(0, (original, span))
    order = np.arange(info.frame_count, dtype=np.int64)
    return _render(video_path, info, order, Mix(length, parts), out_path)


def thumbnail(video_path: Path, out_path: Path) -> None:
    """A JPEG of the video's first good frame (not black or flat), at most 480 px wide.

    A small "SANDBOX" tag sits in its top-left corner.
    """
    image = tag_thumbnail(first_good_frame(Path(video_path), THUMBNAIL_MAX_WIDTH))
    encoded, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not encoded:
        raise RuntimeError("OpenCV could not encode the thumbnail as JPEG.")
    out_path = Path(out_path)
    part = out_path.with_name(out_path.name + ".part")
    part.write_bytes(jpeg.tobytes())
    os.replace(part, out_path)


def _sound(audio_path: Path) -> Sound:
    sound = measure_sound(Path(audio_path), "audio", required=True)
    assert sound is not None
    return sound


class Mix:
    """The output's sound track, ``length`` samples: spans of sounds added up and clipped to
    [-1, 1], read forward window by window (each sound decoded once more, in order)."""

    def __init__(self, length: int, parts: list[tuple[Sound, Span]]) -> None:
        self.length = length
        self._parts = parts
        self._readers: list[tuple[SoundReader, Span]] = []
        self._stack = ExitStack()

    def __enter__(self) -> Mix:
        for sound, span in self._parts:
            if span.count > 0:
                self._readers.append((self._stack.enter_context(SoundReader(sound)), span))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def read(self, start: int, end: int) -> np.ndarray:
        """Output samples ``[start, end)`` as stereo float32."""
        out = np.zeros((AUDIO_CHANNELS, end - start), np.float32)
        for reader, span in self._readers:
            window = span.window(start, end)
            if window is not None:
                first, last, at = window
                out[:, at : at + last - first] += reader.take(first, last) * np.float32(span.gain)
        return np.clip(out, -1.0, 1.0, out=out)


def _render(
    video_path: Path, info: VideoInfo, order: np.ndarray, track: Mix, out_path: Path
) -> RenderResult:
    """Write the source's frames in ``order``, captioned, with ``track`` as the sound."""
    strip = banner(info.width, info.height, SANDBOX_CAPTION)
    planes = iter_video_planes(video_path, info)
    ordered = frames_in_order(map(strip.apply, planes), order, out_path.parent)
    with closing(planes), closing(ordered), track:
        size = {"width": info.width, "height": info.height, "fps": info.fps}
        with Mp4Writer(out_path, **size, audio=track) as writer:
            for frame in ordered:
                writer.write_frame(frame)
            if writer.frames == 0:
                raise MediaValidationError("The video file has no frames that could be decoded.")
    seconds = max(writer.frames / info.fps, track.length / AUDIO_RATE)
    return RenderResult(float(seconds), info.width, info.height)

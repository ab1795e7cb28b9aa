"""The sandbox's output renderer: real files that stand in for a provider's lip-sync result.

No lip movement is generated. The source video is re-timed to the new audio (AusyncLab's
``sync_mode``, TwinSync) or given Kling's trimmed and inserted sound, every frame carries the
caption ``SANDBOX_CAPTION``, and the result is H.264 + AAC in an .mp4 with the index first
(``movflags=+faststart``), at the source's frame rate and (even) size.

How the work is shared: ``render_timeline`` holds the arithmetic (lengths, frame order, audio
mixing), ``render_media`` reads inputs, ``render_frames`` reorders decoded frames without
decoding twice, ``render_caption`` draws the marks and ``render_output`` writes the file.
"""

from __future__ import annotations

import os
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lipsync_core.errors import MediaValidationError
from lipsync_core.sandbox.render_caption import banner, tag_thumbnail
from lipsync_core.sandbox.render_frames import frames_in_order
from lipsync_core.sandbox.render_media import (
    Audio,
    VideoInfo,
    decode_audio,
    first_good_frame,
    iter_video_planes,
    probe_video,
)
from lipsync_core.sandbox.render_output import Mp4Writer
from lipsync_core.sandbox.render_timeline import (
    AUDIO_RATE,
    SYNC_MODES,
    check_sync_mode,
    fit_length,
    frame_indices,
    frames_for,
    kling_track,
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
    audio = _sound(audio_path)
    seconds = output_seconds(sync_mode, info.seconds, audio.seconds)
    order = frame_indices(sync_mode, info.frame_count, frames_for(seconds, info.fps))
    track = fit_length(audio.samples, samples_for(seconds))
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
    original = decode_audio(video_path, "video", required=False)
    sound = _sound(audio_path)
    track = kling_track(
        None if original is None else _aligned_to_video(original, info),
        sound.samples,
        samples_for(info.seconds),
        sound_start_ms=sound_start_ms,
        sound_end_ms=sound_end_ms,
        sound_insert_ms=sound_insert_ms,
        sound_volume=sound_volume,
        original_audio_volume=original_audio_volume,
    )
    order = np.arange(info.frame_count, dtype=np.int64)
    return _render(video_path, info, order, track, out_path)


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


def _sound(audio_path: Path) -> Audio:
    audio = decode_audio(Path(audio_path), "audio", required=True)
    assert audio is not None
    return audio


def _aligned_to_video(original: Audio, info: VideoInfo) -> np.ndarray:
    """The video's own audio shifted so that its sample 0 is the first frame's time."""
    offset = samples_for(original.start_seconds - info.start_seconds)
    if offset >= 0:
        return np.pad(original.samples, ((0, 0), (offset, 0)))
    return original.samples[:, -offset:]


def _render(
    video_path: Path, info: VideoInfo, order: np.ndarray, track: np.ndarray, out_path: Path
) -> RenderResult:
    """Write the source's frames in ``order``, captioned, with ``track`` as the sound."""
    strip = banner(info.width, info.height, SANDBOX_CAPTION)
    planes = iter_video_planes(video_path, info)
    writer = Mp4Writer(out_path, width=info.width, height=info.height, fps=info.fps, audio=track)
    ordered = frames_in_order(map(strip.apply, planes), order, out_path.parent)
    with closing(planes), closing(ordered), writer:
        for frame in ordered:
            writer.write_frame(frame)
        if writer.frames == 0:
            raise MediaValidationError("The video file has no frames that could be decoded.")
    seconds = max(writer.frames / info.fps, track.shape[1] / AUDIO_RATE)
    return RenderResult(float(seconds), info.width, info.height)

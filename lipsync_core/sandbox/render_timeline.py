"""The arithmetic of a sandbox render: output lengths, frame order and where sound plays.

Pure functions over numbers and numpy arrays, so every rule of ``sync_mode`` and of Kling's
``sound_*`` fields can be read and tested without touching a media file. Sound is described as
spans of the inputs (never held whole), so a render reads it in small windows as it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

SYNC_MODES = ("cut_off", "loop", "bounce", "silence", "remap")
AUDIO_RATE = 48_000
AUDIO_CHANNELS = 2


def check_sync_mode(sync_mode: str) -> None:
    """Refuse a ``sync_mode`` that AusyncLab does not document."""
    if sync_mode not in SYNC_MODES:
        allowed = ", ".join(SYNC_MODES)
        raise ValueError(f"sync_mode must be one of {allowed}, not {sync_mode!r}.")


def output_seconds(sync_mode: str, video_seconds: float, audio_seconds: float) -> float:
    """How long the output of ``sync_mode`` lasts.

    ``cut_off`` keeps the shorter track, ``silence`` the longer one; ``loop``, ``bounce`` and
    ``remap`` fit the video to the audio, so the audio's length wins.
    """
    check_sync_mode(sync_mode)
    if sync_mode == "cut_off":
        return min(video_seconds, audio_seconds)
    if sync_mode == "silence":
        return max(video_seconds, audio_seconds)
    return audio_seconds


def frames_for(seconds: float, fps: Fraction) -> int:
    """The number of frames at ``fps`` nearest to ``seconds`` (at least one)."""
    return max(1, round(seconds * fps))


def samples_for(seconds: float) -> int:
    """The number of audio samples at the output rate nearest to ``seconds``."""
    return round(seconds * AUDIO_RATE)


def frame_indices(sync_mode: str, source_frames: int, output_frames: int) -> np.ndarray:
    """For each output frame, the index of the source frame it shows.

    ``loop`` restarts at frame 0; ``bounce`` runs 0..n-1 then n-2..1 and again, so the turning
    frames are not shown twice; ``remap`` spreads the source evenly over the output (slower or
    faster); ``cut_off`` and ``silence`` play the source once and ``silence`` holds its last frame.
    """
    check_sync_mode(sync_mode)
    if source_frames < 1 or output_frames < 1:
        raise ValueError("A render needs at least one source frame and one output frame.")
    out = np.arange(output_frames, dtype=np.int64)
    if sync_mode == "loop":
        return out % source_frames
    if sync_mode == "bounce":
        return _bounce(out, source_frames)
    if sync_mode == "remap":
        return out * source_frames // output_frames
    return np.minimum(out, source_frames - 1)


def _bounce(out: np.ndarray, source_frames: int) -> np.ndarray:
    if source_frames == 1:
        return np.zeros_like(out)
    period = 2 * source_frames - 2
    phase = out % period
    return np.where(phase < source_frames, phase, period - phase)


@dataclass(frozen=True)
class Span:
    """Samples ``[skip, skip + count)`` of a sound, played from output sample ``at``, scaled by
    ``gain``."""

    skip: int
    count: int
    at: int
    gain: float = 1.0

    def window(self, start: int, end: int) -> tuple[int, int, int] | None:
        """What this span plays in output samples ``[start, end)``: the sound's samples
        ``[first, last)`` and where they go in the window; ``None`` when nothing."""
        low, high = max(start, self.at), min(end, self.at + self.count)
        if low >= high:
            return None
        return self.skip + low - self.at, self.skip + high - self.at, low - start


def fitted_span(sound_samples: int, length: int) -> Span:
    """The sound from its start, cut to ``length`` (the rest of the output is silence)."""
    return Span(0, min(sound_samples, length), 0)


def aligned_span(sound_samples: int, offset: int, length: int, gain: float = 1.0) -> Span:
    """A video's own sound whose sample 0 plays at output sample ``offset`` (negative: its
    first ``-offset`` samples come before the first frame and are dropped), cut to ``length``."""
    skip, at = max(0, -offset), max(0, offset)
    return Span(skip, max(0, min(sound_samples - skip, length - at)), at, gain)


def ms_to_samples(ms: float) -> int:
    """Milliseconds as a sample offset at the output rate."""
    return round(ms * AUDIO_RATE / 1000)


def kling_sound_span(
    sound_samples: int,
    length: int,
    *,
    sound_start_ms: int,
    sound_end_ms: int,
    sound_insert_ms: int,
    sound_volume: float = 1.0,
) -> Span:
    """Kling's inserted sound: cut to [``sound_start_ms``, ``sound_end_ms``] and placed at
    ``sound_insert_ms`` of the video, scaled by ``sound_volume``.

    Times outside the sound or the video are clamped rather than refused: checking Kling's rules
    is the API's job, not the renderer's. The output (this span added to the original sound at
    ``original_audio_volume``, see :func:`aligned_span`) is clipped to [-1, 1] when written.
    """
    start = min(max(ms_to_samples(sound_start_ms), 0), sound_samples)
    end = min(max(ms_to_samples(sound_end_ms), start), sound_samples)
    insert = max(ms_to_samples(sound_insert_ms), 0)
    return Span(start, max(0, min(end - start, length - insert)), insert, sound_volume)

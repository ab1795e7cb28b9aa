"""The arithmetic of a sandbox render: output lengths, frame order and audio tracks.

Pure functions over numbers and numpy arrays, so every rule of ``sync_mode`` and of Kling's
``sound_*`` fields can be read and tested without touching a media file.
"""

from __future__ import annotations

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


def fit_length(samples: np.ndarray, length: int) -> np.ndarray:
    """``samples`` (channels x n) cut to ``length``, or padded with silence up to it."""
    if samples.shape[1] >= length:
        return samples[:, :length]
    pad = np.zeros((samples.shape[0], length - samples.shape[1]), dtype=samples.dtype)
    return np.concatenate([samples, pad], axis=1)


def ms_to_samples(ms: float) -> int:
    """Milliseconds as a sample offset at the output rate."""
    return round(ms * AUDIO_RATE / 1000)


def kling_track(
    original: np.ndarray | None,
    sound: np.ndarray,
    length: int,
    *,
    sound_start_ms: int,
    sound_end_ms: int,
    sound_insert_ms: int,
    sound_volume: float = 1.0,
    original_audio_volume: float = 1.0,
) -> np.ndarray:
    """Kling's output audio: ``sound`` trimmed and inserted over the original track.

    ``sound`` is cut to [``sound_start_ms``, ``sound_end_ms``], placed at ``sound_insert_ms`` of
    the video, scaled by ``sound_volume`` and added to the original audio scaled by
    ``original_audio_volume`` (silence when the video has none). Times outside the sound or the
    video are clamped rather than refused: checking Kling's rules is the API's job, not the
    renderer's. The sum is clipped to [-1, 1].
    """
    track = np.zeros((AUDIO_CHANNELS, length), dtype=np.float32)
    if original is not None:
        track += fit_length(original, length) * np.float32(original_audio_volume)
    start = min(max(ms_to_samples(sound_start_ms), 0), sound.shape[1])
    end = min(max(ms_to_samples(sound_end_ms), start), sound.shape[1])
    insert = max(ms_to_samples(sound_insert_ms), 0)
    span = max(0, min(end - start, length - insert))
    if span:
        inserted = sound[:, start : start + span] * np.float32(sound_volume)
        track[:, insert : insert + span] += inserted
    return np.clip(track, -1.0, 1.0, out=track)

"""How loud the sound is, every 10 ms: the audio side of the lip-sync measure.

The track is decoded with PyAV, mixed to mono at 16 kHz, and its loudness taken as the root mean
square of each 10 ms. Times are on the video's clock: a file's own sound keeps its place in the
file (``origin``: the picture's start), a separate audio file starts with the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

RATE = 16_000
HOP_S = 0.01
# Below this root mean square (about -60 dBFS) a stretch is silence.
SILENCE_RMS = 1e-3


@dataclass(frozen=True)
class Loudness:
    """Root mean square of each ``HOP_S`` from ``start_s`` (seconds on the video's clock)."""

    start_s: float
    rms: np.ndarray

    def times(self) -> np.ndarray:
        return self.start_s + (np.arange(len(self.rms)) + 0.5) * HOP_S

    def speech_seconds(self) -> float:
        """How long the sound is louder than silence."""
        return float(np.count_nonzero(self.rms > SILENCE_RMS)) * HOP_S


class NoSoundError(Exception):
    """The file has no sound track (the caller says so in plain words)."""


def loudness(path: str | Path, origin_s: float | None = None) -> Loudness:
    """The loudness of ``path``'s first sound track.

    ``origin_s``: the time in this file where the picture starts (its own sound); ``None`` for a
    separate audio file, whose own start is laid at the picture's start. Raises
    :class:`NoSoundError` without a sound track and PyAV's errors when the file cannot be read.
    """
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise NoSoundError(str(path))
        stream = container.streams.audio[0]
        base = float(stream.time_base or 0)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks: list[np.ndarray] = []
        first_s: float | None = None
        for frame in container.decode(stream):
            if first_s is None:
                first_s = frame.pts * base if frame.pts is not None else 0.0
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
        stream_start = float(stream.start_time * base) if stream.start_time is not None else 0.0
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    start = (first_s or 0.0) - (stream_start if origin_s is None else origin_s)
    hop = round(RATE * HOP_S)
    count = len(samples) // hop
    blocks = samples[: count * hop].reshape(count, hop).astype(np.float64)
    return Loudness(start, np.sqrt((blocks**2).mean(axis=1)))

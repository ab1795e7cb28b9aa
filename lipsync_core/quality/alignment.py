"""Finding the delay at which the lips' opening best follows the sound's loudness.

Both signals lose what changes slower than about once a second (a centred 1 s moving average is
taken away: a slow zoom, a face coming closer, a quiet and a loud sentence), and the loudness is
smoothed over 50 ms. For every delay from -1 s to +1 s in 10 ms steps, the loudness at the
frames' times minus the delay is correlated (Pearson) with the opening; the best delay is refined
between steps by a parabola through its neighbours.

Sign: a positive delay means the lips show a sound after it is heard, i.e. the audio runs ahead
of the lips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lipsync_core.quality.sound import HOP_S, Loudness

MAX_LAG_S = 1.0
SLOW_S = 1.0
SMOOTH_S = 0.05
MIN_OVERLAP_S = 1.5


@dataclass(frozen=True)
class Alignment:
    """The best delay (s, audio ahead +), the correlation there, and every delay's correlation."""

    lag_s: float
    correlation: float
    lags_s: np.ndarray
    correlations: np.ndarray


def without_slow_changes(values: np.ndarray, window: int) -> np.ndarray:
    """``values`` less their centred moving average over ``window`` samples."""
    window = max(1, window | 1)
    if len(values) == 0:
        return values
    padded = np.pad(values, window // 2, mode="edge")
    average = np.convolve(padded, np.ones(window) / window, mode="valid")
    return values - average


def smoothed(values: np.ndarray, window: int) -> np.ndarray:
    """``values`` under a Hann window of ``window`` samples (same length)."""
    if window <= 1 or len(values) == 0:
        return values
    kernel = np.hanning(window + 2)[1:-1]
    padded = np.pad(values, window // 2, mode="edge")
    return np.convolve(padded, kernel / kernel.sum(), mode="valid")[: len(values)]


def align(times: np.ndarray, opening: np.ndarray, fps: float, sound: Loudness) -> Alignment:
    """The delay at which ``opening`` (one value per frame at ``times``; NaN where no face was
    seen) best follows ``sound``. Gaps are bridged in a straight line for the filtering and left
    out of the correlation."""
    seen = np.isfinite(opening)
    frames = np.arange(len(opening))
    bridged = np.interp(frames, frames[seen], opening[seen])
    lips = without_slow_changes(bridged, round(SLOW_S * fps))[seen]
    times = times[seen]
    least = max(10, round(MIN_OVERLAP_S * fps))
    loud = without_slow_changes(smoothed(sound.rms, round(SMOOTH_S / HOP_S)), round(SLOW_S / HOP_S))
    lags = np.round(np.arange(-MAX_LAG_S, MAX_LAG_S + HOP_S / 2, HOP_S), 6)
    at = times[:, None] - lags[None, :]
    heard = np.interp(at, sound.times(), loud, left=np.nan, right=np.nan)
    correlations = np.array([_pearson(lips, heard[:, k], least) for k in range(len(lags))])
    best = int(np.nanargmax(correlations)) if np.isfinite(correlations).any() else len(lags) // 2
    return Alignment(
        float(lags[best] + _refine(correlations, best) * HOP_S),
        float(np.nan_to_num(correlations[best])),
        lags,
        correlations,
    )


def _pearson(a: np.ndarray, b: np.ndarray, least: int) -> float:
    """Correlation of ``a`` and ``b`` where ``b`` is known (NaN when that is under ``least``)."""
    known = np.isfinite(b)
    if np.count_nonzero(known) < least:
        return np.nan
    x, y = a[known] - a[known].mean(), b[known] - b[known].mean()
    scale = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / scale) if scale > 0 else np.nan


def _refine(values: np.ndarray, best: int) -> float:
    """Where between neighbouring steps the peak lies (-0.5 to 0.5), by a parabola."""
    if not 0 < best < len(values) - 1:
        return 0.0
    left, mid, right = values[best - 1], values[best], values[best + 1]
    curve = left - 2 * mid + right
    if not np.isfinite(curve) or curve >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / curve, -0.5, 0.5))

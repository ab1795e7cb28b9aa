"""The delay search on made-up signals: lips that open with the loudness at a known delay."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync_core.quality.alignment import align
from lipsync_core.quality.sound import HOP_S, Loudness

FPS = 25.0
SECONDS = 8.0


def _speechlike(seconds: float, seed: int) -> np.ndarray:
    """A loudness every 10 ms that rises and falls a few times a second, like syllables."""
    rng = np.random.default_rng(seed)
    bursts = rng.random(round(seconds / HOP_S)) < 0.04
    kernel = np.hanning(15)
    return np.convolve(bursts.astype(float), kernel, mode="same") + 0.01


def _lips(loud: Loudness, delay_s: float, noise: float = 0.0, seed: int = 1) -> tuple:
    """Lip opening at 25 fps that shows the loudness ``delay_s`` after it is heard."""
    times = np.arange(round(SECONDS * FPS)) / FPS
    opening = np.interp(times - delay_s, loud.times(), loud.rms, left=0.0, right=0.0)
    opening = opening + np.random.default_rng(seed).normal(0, noise, len(times))
    return times, opening


@pytest.mark.parametrize("delay_ms", [-500, -130, -40, 0, 20, 75, 300, 900])
def test_delay_is_found_within_ten_ms(delay_ms: int) -> None:
    """The lips' delay after the sound comes back as the offset, positive for audio ahead."""
    loud = Loudness(0.0, _speechlike(SECONDS, seed=3))
    times, opening = _lips(loud, delay_ms / 1000)
    found = align(times, opening, FPS, loud)
    assert found.lag_s * 1000 == pytest.approx(delay_ms, abs=10)
    assert found.correlation > 0.9


def test_frames_without_a_face_are_left_out() -> None:
    """With a fifth of the frames missing a face, the delay is still found."""
    loud = Loudness(0.0, _speechlike(SECONDS, seed=4))
    times, opening = _lips(loud, 0.16, noise=0.02)
    opening[40:80] = np.nan
    found = align(times, opening, FPS, loud)
    assert found.lag_s == pytest.approx(0.16, abs=0.01)


def test_sound_starting_later_on_the_clock_is_placed_there() -> None:
    """A sound whose first sample is at 0.5 s is compared at its own times."""
    loud = Loudness(0.0, _speechlike(SECONDS, seed=5))
    times, opening = _lips(loud, 0.0)
    later = Loudness(0.5, loud.rms[50:])
    assert align(times, opening, FPS, later).lag_s == pytest.approx(0.0, abs=0.01)


def test_unrelated_lips_correlate_weakly() -> None:
    """Lips following another voice correlate far less than lips following this one."""
    loud = Loudness(0.0, _speechlike(SECONDS, seed=6))
    other = Loudness(0.0, _speechlike(SECONDS, seed=7))
    times, opening = _lips(other, 0.0)
    assert align(times, opening, FPS, loud).correlation < 0.5

"""The lip-sync measure meets its goals on the validation set of talking clips made with PyAV.

The set (``lipsync_core.quality.validation``): the sample face with its mouth opened and closed
by a voice at known offsets (-400 to +300 ms, 0 included), in four variants (a slow zoom, a
smaller mouth movement, camera shake with grain, another voice), and each variant's still twin
(same picture and sound, mouth left alone). The measure is given only the files.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest

from lipsync_core.quality import SyncReport, measure_sync
from lipsync_core.quality.validation import (
    FACE_VIDEO,
    MOVING,
    SPEECH,
    STILL,
    TalkingClip,
    make_clip,
)
from lipsync_core.sandbox.render import fit_to_audio

ONE_FRAME_MS = 40.0


@dataclass(frozen=True)
class Measured:
    clip: TalkingClip
    report: SyncReport


def _build_and_measure(clip: TalkingClip, folder: Path) -> Measured:
    path = make_clip(clip, folder / f"{clip.name.replace(' ', '_')}.mp4")
    return Measured(clip, measure_sync(path))


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Measured]:
    """Every clip of the set, made and measured two at a time (one per core; OpenCV's own
    threads are turned off meanwhile, as the two clips already keep both cores busy)."""
    folder = tmp_path_factory.mktemp("talking")
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda clip: _build_and_measure(clip, folder), MOVING + STILL))
    finally:
        cv2.setNumThreads(threads)
    return {result.clip.name: result for result in results}


def test_offset_within_one_frame_on_nine_moving_clips_in_ten(measured: dict[str, Measured]) -> None:
    """At least 90 % of the moving clips are measured within 40 ms of their true offset."""
    errors = {
        clip.name: abs((measured[clip.name].report.offset_ms or 1e9) - (clip.offset_ms or 0))
        for clip in MOVING
    }
    within = [name for name, error in errors.items() if error <= ONE_FRAME_MS]
    assert len(within) >= 0.9 * len(MOVING), errors


@pytest.mark.parametrize("clip", STILL, ids=lambda clip: clip.name)
def test_still_mouth_is_reported_as_not_moving(
    measured: dict[str, Measured], clip: TalkingClip
) -> None:
    """A mouth that stays still while the voice speaks gives mouth_moves False and no offset."""
    report = measured[clip.name].report
    assert report.measured
    assert report.mouth_moves is False
    assert report.offset_ms is None
    assert report.summary() == "The mouth does not move with the speech."


@pytest.mark.parametrize("clip", MOVING, ids=lambda clip: clip.name)
def test_moving_mouth_is_more_confident_than_its_still_twin(
    measured: dict[str, Measured], clip: TalkingClip
) -> None:
    """Each moving clip says its mouth moves, more confidently than its still twin."""
    moving = measured[clip.name].report
    still = measured[clip.still_twin().name].report
    assert moving.mouth_moves is True
    assert moving.confidence is not None and still.confidence is not None
    assert moving.confidence > still.confidence


@pytest.mark.parametrize(
    ("name", "sign"),
    [("zoom +300 ms", 1), ("zoom +100 ms", 1), ("zoom -400 ms", -1), ("zoom -60 ms", -1)],
)
def test_positive_offset_means_the_audio_runs_ahead_of_the_lips(
    measured: dict[str, Measured], name: str, sign: int
) -> None:
    """A mouth moving after its sound (audio ahead) gives a positive offset; before, negative."""
    report = measured[name].report
    assert report.offset_ms is not None
    assert report.offset_ms * sign > ONE_FRAME_MS
    side = "ahead of" if sign > 0 else "behind"
    assert f"ms {side} them." in report.summary()


@pytest.mark.parametrize("clip", MOVING + STILL, ids=lambda clip: clip.name)
def test_face_facts_are_reported(measured: dict[str, Measured], clip: TalkingClip) -> None:
    """The face is followed in every frame, at about half the picture's height, for 5 s."""
    report = measured[clip.name].report
    assert report.face_share == 1.0
    assert report.largest_face_ratio == pytest.approx(0.5, abs=0.05)
    assert report.duration_s == pytest.approx(5.0, abs=0.05)
    assert report.outside_mouth_change is None


def test_sandbox_render_is_reported_as_not_moving(tmp_path: Path) -> None:
    """The sandbox's render (the sample video fitted to the speech, lips untouched) gives
    mouth_moves False: the alarm for a paid job without lip-sync."""
    out = fit_to_audio(FACE_VIDEO, SPEECH, tmp_path / "sandbox.mp4", sync_mode="loop")
    assert out.duration > 4
    report = measure_sync(tmp_path / "sandbox.mp4")
    assert report.measured and report.face_share > 0.9
    assert report.mouth_moves is False
    assert report.offset_ms is None

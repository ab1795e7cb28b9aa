"""The sandbox renderer refuses media larger than any provider takes before decoding it, and
renders what it takes in bounded memory (sound is never held whole)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lipsync_core.errors import MediaValidationError
from lipsync_core.sandbox.render import fit_to_audio, kling_mix
from tests.oversized_media import flat_video, peak_growth, silence_flac

from .support import TinyMedia

TOO_BIG = "is larger than any lip-sync provider accepts"


@pytest.fixture(scope="module")
def oversized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 10000×10000 picture, 20 minutes of silence (a 1 MB FLAC), a clip 1 s over the length
    cap, and 6 minutes of silence."""
    folder = tmp_path_factory.mktemp("oversized-renders")
    return {
        "picture": flat_video(folder / "huge.mp4", 10_000, 10_000, 1),
        "sound": silence_flac(folder / "long.flac", 20 * 60),
        "length": flat_video(folder / "long.mp4", 64, 64, 601 * 25),
        "sound_under_cap": silence_flac(folder / "six_minutes.flac", 6 * 60),
    }


@pytest.mark.parametrize(
    ("video", "audio", "message"),
    [
        ("picture", None, f"The video {TOO_BIG}: its picture is 10000×10000 px"),
        (None, "sound", f"The audio {TOO_BIG}: it lasts 20 min"),
        ("length", None, f"The video {TOO_BIG}: it lasts 10 min"),
    ],
    ids=["huge-picture", "long-sound", "long-video"],
)
def test_oversized_inputs_are_refused_and_nothing_is_written(
    oversized: dict[str, Path],
    tiny: TinyMedia,
    tmp_path: Path,
    video: str | None,
    audio: str | None,
    message: str,
) -> None:
    """Each cap refuses its input in plain words, with no output file left."""
    out = tmp_path / "out.mp4"
    video_path = oversized[video] if video else tiny.video
    audio_path = oversized[audio] if audio else tiny.audio
    with pytest.raises(MediaValidationError, match=message):
        fit_to_audio(video_path, audio_path, out, sync_mode="loop")
    assert list(tmp_path.iterdir()) == []


def test_kling_refuses_a_huge_picture(oversized: dict[str, Path], tiny: TinyMedia, tmp_path: Path):
    """Kling's mix checks the same caps."""
    with pytest.raises(MediaValidationError, match=TOO_BIG):
        kling_mix(
            oversized["picture"],
            tiny.audio,
            tmp_path / "out.mp4",
            sound_start_ms=0,
            sound_end_ms=2000,
            sound_insert_ms=0,
        )


@pytest.mark.parametrize(
    ("video", "audio", "outcome"),
    [("picture", None, TOO_BIG), (None, "sound_under_cap", "done")],
    ids=["huge-picture-refused", "six-minutes-rendered"],
)
def test_a_render_stays_within_its_memory_bound(
    oversized: dict[str, Path],
    tiny: TinyMedia,
    tmp_path: Path,
    video: str | None,
    audio: str | None,
    outcome: str,
) -> None:
    """The issue's 10000×10000 file (5.4 GB before) is refused, and 6 minutes of sound over a
    tiny clip render (held whole, its samples alone took 138 MB), each with the memory held
    growing by under 100 MB."""
    video_path = oversized[video] if video else tiny.video
    audio_path = oversized[audio] if audio else tiny.audio
    growth, result = peak_growth("render", video_path, audio_path, tmp_path / "out.mp4")
    assert outcome in result
    assert growth < 100

"""Media larger than any provider takes is refused by the face check before a frame is decoded,
within a bounded amount of memory; the caps come from the published limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lipsync_core.errors import MediaValidationError
from lipsync_core.media.caps import DECODE_CAPS, DecodeCaps, derived_caps, ensure_decodable
from lipsync_core.media.faces import preflight_faces
from lipsync_core.media.limits import LIMITS
from tests.oversized_media import flat_video, growing_video, peak_growth

TOO_BIG = "is larger than any lip-sync provider accepts"


@pytest.fixture(scope="module")
def oversized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The issue's 10000×10000 file, a clip 1 s over the length cap, and a stream whose picture
    grows past the cap after a small first second."""
    folder = tmp_path_factory.mktemp("oversized")
    return {
        "picture": flat_video(folder / "huge.mp4", 10_000, 10_000, 1),
        "length": flat_video(folder / "long.mp4", 64, 64, 601 * 25),
        "growing": growing_video(folder / "growing.h264", 320, 4608),
    }


def test_the_caps_are_the_published_maxima_with_a_margin() -> None:
    """Kling's 2160 px, 1080p, 60 s and 100 MB become 4320 px, 9.3 MP, 10 min and 500 MB."""
    caps = derived_caps(LIMITS.values())
    assert caps == DECODE_CAPS
    assert caps == DecodeCaps(
        max_side=4320, max_pixels=9_331_200, max_seconds=600.0, max_bytes=500 * 1024 * 1024
    )


@pytest.mark.parametrize(
    ("figures", "message"),
    [
        ({"width": 10_000, "height": 10_000}, "its picture is 10000×10000 px"),
        ({"width": 4400, "height": 1000}, "its picture is 4400×1000 px"),
        ({"width": 4096, "height": 2304}, "its picture is 4096×2304 px"),
        ({"seconds": 601.0}, "it lasts 10 min 1 s (at most 10 min are read)"),
        ({"seconds": 3 * 3600.0}, "it lasts 180 min"),
        ({"size_bytes": 600 * 1024 * 1024}, "it is 600 MB (at most 500 MB are read)"),
    ],
)
def test_figures_over_a_cap_are_refused_in_plain_words(
    figures: dict[str, float], message: str
) -> None:
    """Each cap, broken alone, gives a sentence that says by how much."""
    with pytest.raises(MediaValidationError, match=re.escape(f"The video {TOO_BIG}: {message}")):
        ensure_decodable("The video", **figures)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "figures",
    [
        {"width": 3840, "height": 2160, "seconds": 600.0, "size_bytes": 500 * 1024 * 1024},
        {"width": 2160, "height": 4320},
        {},
    ],
    ids=["4k-10-minutes", "portrait-at-the-side-cap", "nothing-known"],
)
def test_figures_within_the_caps_pass(figures: dict[str, float]) -> None:
    """4K UHD for 10 minutes is read; figures not known are not judged."""
    ensure_decodable("The video", **figures)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "message"),
    [("picture", f"The video {TOO_BIG}"), ("length", f"The video {TOO_BIG}: it lasts 10 min 1 s")],
)
def test_the_face_check_refuses_oversized_video(
    oversized: dict[str, Path], name: str, message: str
) -> None:
    """A huge picture or a video over the length cap is refused, not searched."""
    with pytest.raises(MediaValidationError, match=message):
        preflight_faces(oversized[name])


def test_a_picture_that_grows_after_the_header_is_not_decoded(oversized: dict[str, Path]) -> None:
    """The decoders themselves refuse a picture over the cap that the header did not state."""
    with pytest.raises(MediaValidationError, match="could not be decoded as a video"):
        preflight_faces(oversized["growing"])


def test_the_face_check_of_a_huge_picture_stays_small(oversized: dict[str, Path]) -> None:
    """The issue's 10000×10000 file is refused with the memory held growing by under 100 MB
    (it took the dashboard from 0.5 to 2.5 GB)."""
    growth, outcome = peak_growth("faces", oversized["picture"])
    assert TOO_BIG in outcome
    assert growth < 100

"""Kling's timing rules, one documented rule per row."""

from __future__ import annotations

import pytest

from lipsync_core.sandbox.kling_rules import timing_problem

VIDEO_MS = 10_000
FACE = (2_000, 6_000)


def outside(start: int, end: int) -> str:
    return f"The inserted audio ({start}-{end} ms) must lie inside the video (0-10000 ms)"


def off_face(start: int, end: int) -> str:
    return (
        f"The inserted audio ({start}-{end} ms) must overlap the face's interval "
        "(2000-6000 ms) by at least 2000 ms"
    )


@pytest.mark.parametrize(
    ("start", "end", "insert", "problem"),
    [
        (0, 3000, 2000, None),
        (1000, 3000, 2000, None),  # exactly 2 s trimmed, all of it on the face
        (0, 1999, 2000, "The trimmed audio must be at least 2000 ms long, not 1999 ms"),
        (3000, 2000, 2000, "The trimmed audio must be at least 2000 ms long, not -1000 ms"),
        (-1, 3000, 2000, "sound_start_time must not be negative"),
        (0, 3000, -1, outside(-1, 2999)),
        (0, 3000, 7001, outside(7001, 10001)),
        (0, 3000, 7000, off_face(7000, 10000)),
        (0, 3000, 4001, off_face(4001, 7001)),
        (0, 3000, 4000, None),  # 4000-7000 overlaps 2000-6000 by exactly 2000 ms
        (0, 3000, 1000, None),  # 1000-4000 overlaps by 2000 ms
        (0, 3000, 999, off_face(999, 3999)),
    ],
)
def test_timing_rules(start: int, end: int, insert: int, problem: str | None) -> None:
    """Trimmed ≥2 s, inside the video, overlapping the face by ≥2 s — else the breach."""
    result = timing_problem(
        sound_start=start,
        sound_end=end,
        sound_insert=insert,
        video_ms=VIDEO_MS,
        face_start=FACE[0],
        face_end=FACE[1],
    )
    assert result == problem

"""Face tracks as pure geometry: when two searches show the same faces, and how the tracks of
stretches searched apart are joined."""

from __future__ import annotations

import pytest

from lipsync_core.media.face_tracks import Track, join_tracks, same_faces
from lipsync_core.media.frame_sampling import Box, Sample

FACE: Box = (100, 100, 50, 50)


@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        ([], [], True),
        ([FACE], [(120, 95, 55, 55)], True),
        ([FACE], [], False),
        ([], [FACE], False),
        ([FACE], [(300, 100, 50, 50)], False),
        ([FACE], [(100, 100, 100, 100)], False),
        ([FACE, (400, 100, 50, 50)], [(410, 100, 50, 50), (105, 100, 50, 50)], True),
        ([FACE, (400, 100, 50, 50)], [(105, 100, 50, 50), (110, 100, 50, 50)], False),
    ],
    ids=[
        "no-faces",
        "moved-a-little",
        "face-gone",
        "face-came",
        "moved-too-far",
        "doubled-in-size",
        "two-faces-in-any-order",
        "two-faces-became-one-place",
    ],
)
def test_two_searches_show_the_same_faces_when_each_is_near_one_other(
    before: list[Box], after: list[Box], same: bool
) -> None:
    assert same_faces(before, after) is same


def track(first_ms: int, last_ms: int, box: Box = FACE, index: int = 0) -> Track:
    sample = Sample(index, first_ms, first_ms, 360, 0, None)
    made = Track.start(sample, box)
    made.add(Sample(index + 1, last_ms, last_ms, 360, 0, None), box)
    return made


def test_a_track_starting_where_another_ended_continues_it() -> None:
    """The first stretch ends at 1.8 s, the second starts at 2.0 s with the face in place: one
    track from 0 to 4 s that remembers every sample."""
    earlier, later = [track(0, 1800)], [track(2000, 4000, index=10)]
    joined = join_tracks(earlier, later, interval_ms=200)
    assert [(t.first_ms, t.last_ms, len(t.seen)) for t in joined] == [(0, 4000, 4)]


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        (track(3100, 4000, index=10), [(0, 1800), (3100, 4000)]),
        (track(2000, 4000, (400, 100, 50, 50), index=10), [(0, 1800), (2000, 4000)]),
    ],
    ids=["gone-over-a-second", "elsewhere-in-the-picture"],
)
def test_a_track_after_a_long_gap_or_far_away_stays_apart(
    later: Track, expected: list[tuple[int, int]]
) -> None:
    joined = join_tracks([track(0, 1800)], [later], interval_ms=200)
    assert [(t.first_ms, t.last_ms) for t in joined] == expected


def test_two_faces_across_a_cut_each_continue_their_own_track() -> None:
    left, right = (100, 100, 50, 50), (400, 100, 50, 50)
    earlier = [track(0, 1800, left), track(0, 1800, right, index=2)]
    later = [track(2000, 4000, right, index=10), track(2000, 4000, left, index=12)]
    joined = join_tracks(earlier, later, interval_ms=200)
    assert [(t.first_box, t.last_ms) for t in joined] == [(left, 4000), (right, 4000)]

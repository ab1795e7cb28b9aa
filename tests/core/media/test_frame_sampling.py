"""Which frames the face preflight decodes: stretches cut at key frames for searching side by
side, and decoding in a thread of its own that fails loudly and stops cleanly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from lipsync_core.media.frame_sampling import (
    Sample,
    TimeRange,
    in_background,
    key_frame_pts,
    key_frames,
    samples_of,
    split,
)

ClipWriter = Callable[..., Path]


def anchor(pts: int) -> Sample:
    return Sample(0, pts, pts, 360, 0, None, None, [])


KEYS = [0, 100, 200, 300]


@pytest.mark.parametrize(
    ("pieces", "parts", "expected"),
    [
        ([TimeRange(None, None)], 1, [[TimeRange(None, None)]]),
        (
            [TimeRange(None, None)],
            2,
            [[TimeRange(None, 200)], [TimeRange(200, None)]],
        ),
        (
            [TimeRange(None, None)],
            4,
            [
                [TimeRange(None, 100)],
                [TimeRange(100, 200)],
                [TimeRange(200, 300)],
                [TimeRange(300, None)],
            ],
        ),
        (
            [anchor(0), anchor(100), TimeRange(200, None)],
            2,
            [[anchor(0), anchor(100), TimeRange(200, 300)], [TimeRange(300, None)]],
        ),
        (
            [TimeRange(0, 100), anchor(100), anchor(200), TimeRange(300, None)],
            2,
            [[TimeRange(0, 100)], [anchor(100), anchor(200), TimeRange(300, None)]],
        ),
    ],
    ids=["one-part", "halves", "quarters", "key-frames-cost-nothing", "ranges-apart"],
)
def test_pieces_are_cut_at_key_frames_into_runs_of_equal_decoding(
    pieces: list[Sample | TimeRange],
    parts: int,
    expected: list[list[Sample | TimeRange]],
) -> None:
    """Runs are consecutive, cut only at key frames, with about the same stretch to decode each;
    adjacent stretches inside a run are one range again (decoded without seeking)."""
    assert split(pieces, KEYS, parts, end_pts=400) == expected


def test_a_single_key_frame_cannot_be_cut() -> None:
    """With one key frame there is nowhere to start a second decoder: one run."""
    assert split([TimeRange(None, None)], [0], 2, end_pts=400) == [[TimeRange(None, None)]]


def test_key_frames_are_read_from_packets_and_decoded_alone(
    tmp_path: Path, clip_writer: ClipWriter
) -> None:
    """A 3 s clip with a key frame every second: the packets say 0, 1, 2 s; decoding key frames
    only gives those three pictures, without keeping their decoded frames."""
    clip = clip_writer(tmp_path / "keys.mp4", seconds=3.0, key_frame_every=25)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        seconds = [pts * float(stream.time_base) for pts in key_frame_pts(container, stream)]
        samples = list(key_frames(container, stream, 0.2))
    assert seconds == pytest.approx([0.0, 1.0, 2.0])
    assert [s.ms for s in samples] == [0, 1000, 2000]
    assert [s.index for s in samples] == [0, 1, 2]
    assert all(s.frame is None and s.grey is not None for s in samples)


def test_ranges_are_decoded_into_one_sample_per_interval(
    tmp_path: Path, clip_writer: ClipWriter
) -> None:
    """Samples of a range between two key frames, then a key frame passed through as it is:
    numbered in order from ``first_index``, timed from the video's start."""
    clip = clip_writer(tmp_path / "ranges.mp4", seconds=3.0, key_frame_every=25)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        keys = key_frame_pts(container, stream)
        kept = anchor(keys[2])
        pieces = [TimeRange(keys[1], keys[2]), kept]
        samples = list(samples_of(container, stream, 0.2, pieces, first_index=10))
    assert [s.ms for s in samples[:-1]] == [1000, 1200, 1400, 1600, 1800]
    assert samples[-1] is kept
    assert [s.index for s in samples] == list(range(10, 16))
    assert all(isinstance(s.grey, np.ndarray) for s in samples[:-1])


def test_a_failing_producer_raises_in_the_consumer() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise OSError("disk gone")

    received = []
    with pytest.raises(OSError, match="disk gone"):
        for item in in_background(broken(), depth=2):
            received.append(item)
    assert received == [1]


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    """The producer may be blocked on a full hand-off queue: it is released and ends, so the
    container it reads is not closed under it."""
    produced = []
    finished = threading.Event()

    def endless() -> Iterator[int]:
        try:
            for number in range(10_000):
                produced.append(number)
                yield number
        finally:
            finished.set()

    with pytest.raises(ValueError, match="stop"):
        for item in in_background(endless(), depth=2):
            if item == 3:
                raise ValueError("stop")
    deadline = time.monotonic() + 5
    while len(produced) < 10_000 and not finished.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(produced) < 100

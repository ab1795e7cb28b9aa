"""Following faces through samples in time order: the tracks of the face preflight.

The whole picture is searched every 2 s (``FULL_SCAN_SECONDS``) and at the last sample; at every
other sample, each face is looked for only near where it was, at nearby sizes, on a copy shrunk
so the face is about 40 px high — a few percent of the cost of a whole-picture search. A face
first seen by a whole-picture search is followed backwards through the samples since the
previous one, so its start keeps the sampling precision; if it appeared at most 1 s after a track
ended and at most ``MAX_JUMP`` face widths from it (a fast move, a cut), it continues that track.
As Kling does, a face missing for more than 1 s (``GAP_MS``) starts a new track.

A sample may come with the faces of a whole-picture search already made (``Sample.found``: key
frames searched first); then tracks are matched to those boxes instead of searched again.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from lipsync_core.media.frame_sampling import Box, Sample

GAP_MS = 1000
FULL_SCAN_SECONDS = 2.0
MAX_JUMP = 3.0
NEAR_FACE_PX = 40
# Decoded frames kept for the crops of faces still in view; any other face's crop is decoded
# again at the end, so a video with many faces holds a bounded number of pictures.
MAX_KEPT_FRAMES = 4
# How far (in face widths) and by how much its size may change for a face to be "the same" in
# the next sample: the region and sizes a near search covers.
NEAR_DISTANCE = 1.0
NEAR_SIZES = (0.6, 1.6)


@dataclass
class Track:
    """One face: where it was first, last and largest, and in which samples."""

    first_ms: int
    first_box: Box
    last_ms: int
    last_box: Box
    best_box: Box
    best: Sample  # the sample in which the face was largest
    seen: dict[int, Box]  # sample index -> where the face was in that sample

    @classmethod
    def start(cls, sample: Sample, box: Box) -> Track:
        return cls(sample.ms, box, sample.ms, box, box, sample, {sample.index: box})

    def add(self, sample: Sample, box: Box) -> None:
        self.absorb(Track.start(sample, box))

    def absorb(self, other: Track) -> None:
        """Take in ``other``'s detections: the same face, seen at other times."""
        if other.first_ms < self.first_ms:
            self.first_ms, self.first_box = other.first_ms, other.first_box
        if other.last_ms >= self.last_ms:
            self.last_ms, self.last_box = other.last_ms, other.last_box
        if other.best_box[3] > self.best_box[3]:
            self.best_box, self.best = other.best_box, other.best
        self.seen.update(other.seen)


@dataclass
class Scanner:
    """Runs the cascade and keeps the tracks while samples arrive in time order."""

    interval_ms: int
    cascade: cv2.CascadeClassifier
    tracks: list[Track] = field(default_factory=list)
    recent: deque[Sample] = field(default_factory=deque)
    last_full_ms: int | None = None

    def detect(self, grey: np.ndarray) -> list[Box]:
        """Every face in a whole picture."""
        return detect_faces(self.cascade, grey)

    def feed(self, sample: Sample) -> None:
        """Follow every recent track into ``sample``; search it whole when it is time to (or
        take the faces of a whole-picture search already made)."""
        for track in self.tracks:
            if sample.ms - track.last_ms <= GAP_MS + self.interval_ms:
                box = (
                    nearest(sample.found, track.last_box)
                    if sample.found is not None
                    else self._near(sample.grey, track.last_box)
                )
                if box is not None:
                    track.add(sample, box)
        if sample.found is not None:
            self._take_whole(sample, sample.found)
        elif self._whole_search_due(sample):
            self._take_whole(sample, self.detect(sample.grey))
        else:
            self.recent.append(sample)
        self._release(sample.ms)

    def finish(self) -> list[Track]:
        """Search the last sample everywhere too, so a face in the last seconds is not missed."""
        if self.recent:
            last = self.recent.pop()
            self._take_whole(last, self.detect(last.grey))
        return self.tracks

    def _release(self, now_ms: int) -> None:
        """Let go of the pictures tracks no longer need: a face out of view keeps neither its
        best grey picture nor its frame (its crop is decoded again), and faces in view keep at
        most ``MAX_KEPT_FRAMES`` frames, the most recently seen first."""
        kept: set[int] = set()
        for track in sorted(self.tracks, key=lambda t: t.last_ms, reverse=True):
            best = track.best
            if best.grey is None and best.frame is None:
                continue
            if now_ms - track.last_ms > GAP_MS + self.interval_ms:
                track.best = replace(best, grey=None, frame=None)
            elif best.frame is not None and id(best) not in kept:
                if len(kept) < MAX_KEPT_FRAMES:
                    kept.add(id(best))
                else:
                    track.best = replace(best, frame=None)

    def _whole_search_due(self, sample: Sample) -> bool:
        due = FULL_SCAN_SECONDS * 1000 - self.interval_ms / 2
        return self.last_full_ms is None or sample.ms - self.last_full_ms >= due

    def _take_whole(self, sample: Sample, found: list[Box]) -> None:
        """Start or extend tracks for the faces of a whole-picture search no track has yet."""
        for box in found:
            if self._owner(sample.index, box) is None:
                self._follow_back(sample, box)
        self.recent.clear()
        self.last_full_ms = sample.ms

    def _owner(self, index: int, box: Box) -> Track | None:
        """The track that already has a face overlapping ``box`` in sample ``index``."""
        return next(
            (t for t in self.tracks if index in t.seen and _overlap(t.seen[index], box)), None
        )

    def _follow_back(self, sample: Sample, box: Box) -> None:
        """Follow a newly found face back through the samples since the last whole-picture
        search; keep it as a new track unless it turns out to continue one."""
        track = Track.start(sample, box)
        for earlier in reversed(self.recent):
            found = self._near(earlier.grey, track.first_box)
            if found is None:
                break
            owner = self._owner(earlier.index, found)
            if owner is not None:
                owner.absorb(track)
                return
            track.add(earlier, found)
        previous = _continued(self.tracks, track, self.interval_ms)
        if previous is None:
            self.tracks.append(track)
        else:
            previous.absorb(track)

    def _near(self, grey: np.ndarray, box: Box) -> Box | None:
        """The face nearest ``box`` within one box size of it and 0.6–1.6 times its size.

        The search region is shrunk so the face is about ``NEAR_FACE_PX`` high: cheap, and still
        above the cascade's 20 px window.
        """
        x, y, w, h = box
        left, top = max(0, x - w), max(0, y - h)
        right, bottom = min(grey.shape[1], x + 2 * w), min(grey.shape[0], y + 2 * h)
        shrink = min(1.0, NEAR_FACE_PX / w)
        region = grey[top:bottom, left:right]
        if shrink < 1.0:
            size = (round(region.shape[1] * shrink), round(region.shape[0] * shrink))
            region = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
        smallest, largest = max(20, round(w * shrink * 0.6)), round(w * shrink * 1.6)
        if min(region.shape) < smallest:
            return None
        found = self.cascade.detectMultiScale(
            region,
            scaleFactor=1.1,
            minNeighbors=3,
            minSize=(smallest, smallest),
            maxSize=(largest, largest),
        )
        boxes = [
            (
                left + round(bx / shrink),
                top + round(by / shrink),
                round(bw / shrink),
                round(bh / shrink),
            )
            for bx, by, bw, bh in found
        ]
        return min(boxes, key=lambda b: _distance(box, b), default=None)


def detect_faces(cascade: cv2.CascadeClassifier, grey: np.ndarray) -> list[Box]:
    """Every face ``cascade`` finds in a whole grey picture (the preflight's search settings)."""
    found = cascade.detectMultiScale(grey, scaleFactor=1.2, minNeighbors=3, minSize=(24, 24))
    return [(int(x), int(y), int(w), int(h)) for x, y, w, h in found]


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _distance(a: Box, b: Box) -> float:
    """Distance between the boxes' centres, in sizes of the first box."""
    ax, ay, bx, by = a[0] + a[2] / 2, a[1] + a[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2
    return math.hypot(ax - bx, ay - by) / max(1, a[2])


def nearest(found: list[Box], box: Box) -> Box | None:
    """The box of ``found`` nearest ``box`` that a near search around ``box`` would cover."""
    smallest, largest = NEAR_SIZES
    near = [
        b
        for b in found
        if _distance(box, b) <= NEAR_DISTANCE and smallest <= b[3] / max(1, box[3]) <= largest
    ]
    return min(near, key=lambda b: _distance(box, b), default=None)


def same_faces(before: list[Box], after: list[Box]) -> bool:
    """Whether two whole-picture searches show the same faces: as many, each near one other."""
    unmatched = list(after)
    for box in before:
        match = nearest(unmatched, box)
        if match is None:
            return False
        unmatched.remove(match)
    return not unmatched


def join_tracks(earlier: list[Track], later: list[Track], interval_ms: int) -> list[Track]:
    """The tracks of two consecutive stretches searched apart: a track of ``later`` that starts
    where one of ``earlier`` ends (by the scanner's own rule) continues it."""
    tracks = list(earlier)
    for track in sorted(later, key=lambda t: t.first_ms):
        previous = _continued(tracks, track, interval_ms)
        if previous is None:
            tracks.append(track)
        else:
            previous.absorb(track)
    return tracks


def _continued(tracks: list[Track], track: Track, interval_ms: int) -> Track | None:
    """The track that ``track`` continues: ended at most ``GAP_MS`` (plus one sampling interval)
    before it started, at most ``MAX_JUMP`` face widths away; the nearest if several."""
    previous = [
        t
        for t in tracks
        if 0 < track.first_ms - t.last_ms <= GAP_MS + interval_ms
        and _distance(t.last_box, track.first_box) <= MAX_JUMP
    ]
    return min(previous, key=lambda t: _distance(t.last_box, track.first_box), default=None)

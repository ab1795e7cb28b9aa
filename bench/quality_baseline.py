"""The simpler lip-sync measure the landmark one was chosen over, kept to compare them.

Motion of the mouth region: the Haar cascade's face box (searched 5 times a second, in between
drawn in a straight line) gives the mouth region (the middle half of the box's width, 62–95 % of
its height), shrunk to 48×32; its mean absolute change from frame to frame is correlated, with
the same delay search as the real measure, against how fast the loudness changes (a mouth moves
most while the sound swells or fades). Confidence is that correlation.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from lipsync_core.media.face_tracks import detect_faces
from lipsync_core.media.faces import face_cascade
from lipsync_core.media.frame_sampling import frames_per_second, grey_of
from lipsync_core.quality.alignment import align, smoothed
from lipsync_core.quality.sound import Loudness, loudness

MOUTH = (0.25, 0.62, 0.75, 0.95)
CROP = (48, 32)
SEARCH_EVERY = 5


def mouth_motion_sync(video: Path) -> tuple[float, float]:
    """(offset in ms, audio ahead +; confidence) by mouth-region motion."""
    greys, times, fps = _greys(video)
    boxes = _boxes(greys)
    crops = np.array([_crop(grey, box) for grey, box in zip(greys, boxes, strict=True)])
    motion = np.abs(np.diff(crops, axis=0)).mean(axis=(1, 2))
    sound = loudness(video, 0.0)
    change = np.abs(np.gradient(smoothed(sound.rms, 7)))
    found = align((times[1:] + times[:-1]) / 2, motion, fps, Loudness(sound.start_s, change))
    return found.lag_s * 1000, found.correlation


def _greys(video: Path) -> tuple[list[np.ndarray], np.ndarray, float]:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = float(stream.time_base or 0)
        greys, times = [], []
        for frame in container.decode(stream):
            greys.append(grey_of(frame))
            times.append(frame.pts * base)
        return greys, np.array(times), frames_per_second(stream)


def _boxes(greys: list[np.ndarray]) -> np.ndarray:
    cascade = face_cascade()
    searched, found = [], []
    for index in range(0, len(greys), SEARCH_EVERY):
        boxes = detect_faces(cascade, greys[index])
        if boxes:
            searched.append(index)
            found.append(max(boxes, key=lambda box: box[3]))
    if not found:
        height, width = greys[0].shape
        return np.tile([0, 0, width, height], (len(greys), 1)).astype(float)
    every = np.arange(len(greys))
    spots = np.array(found, float)
    return np.stack([np.interp(every, searched, spots[:, k]) for k in range(4)], axis=1)


def _crop(grey: np.ndarray, box: np.ndarray) -> np.ndarray:
    x, y, w, h = box
    left, top, right, bottom = MOUTH
    source = np.float32([[x + left * w, y + top * h], [x + right * w, y + top * h]])
    source = np.vstack([source, [x + left * w, y + bottom * h]]).astype(np.float32)
    target = np.float32([[0, 0], [CROP[0], 0], [0, CROP[1]]])
    matrix = cv2.getAffineTransform(source, target)
    return cv2.warpAffine(grey, matrix, CROP, flags=cv2.INTER_AREA).astype(np.float32)

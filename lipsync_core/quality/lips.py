"""How far apart the lips are in every frame: one face followed with MediaPipe's landmark model.

The face is found with the face preflight's Haar cascade (on the 360 px grey copy of
:mod:`lipsync_core.media.frame_sampling`) and then followed as MediaPipe follows it: each frame's
468 landmarks give the next frame's square crop (1.5 times the landmarks' extent, turned so the
eyes are level). The model's own face score says when the face is lost; the cascade then looks
again, at most 5 times a second. With several faces, the largest one found is followed.

The lips' opening is the distance between the middle of the upper and lower lips (outer edges,
landmarks 0 and 17) over the distance between the outer eye corners (33 and 263), so it does not
change when the face comes closer. When the method was chosen (on the validation set, with an
earlier crop drawn from the cascade's boxes), the outer edges found every offset of the small
mouth movements (3 of 3), the inner edges' gap (13–14 and two pairs beside them) 2 of 3, the
area inside the lips 1 of 3.

The model runs on OpenCV's TFLite importer; a network is not safe to share between threads, so
each thread loads its own (25 ms, once).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lipsync_core.media.face_tracks import detect_faces
from lipsync_core.media.faces import face_cascade

MODEL_FILE = Path(__file__).resolve().parent / "models" / "face_landmark.tflite"
INPUT_SIDE = 192
CROP_SCALE = 1.5
FACE_SCORE = 0.5
# Haar boxes sit higher on the face than the landmarks' extent: the crop's centre moves down by
# this share of the box height.
BOX_TO_CENTRE = 0.08
SEARCH_EVERY_S = 0.2
# A crop narrower than this (pixels) is no face the model can read.
MIN_SIDE = 16

UPPER_LIP, LOWER_LIP = 0, 17
RIGHT_EYE, LEFT_EYE = 33, 263
FOREHEAD, CHIN, NOSE_TIP = 10, 152, 1
RIGHT_CHEEK, LEFT_CHEEK = 234, 454

_local = threading.local()


@dataclass(frozen=True)
class Crop:
    """A square region of a picture: its centre, side and turn (radians, eyes level at 0)."""

    x: float
    y: float
    side: float
    angle: float = 0.0

    def matrix(self) -> np.ndarray:
        """The 2×3 affine map from the picture to the model's 192×192 input."""
        scale = INPUT_SIDE / self.side
        cos, sin = math.cos(-self.angle) * scale, math.sin(-self.angle) * scale
        half = INPUT_SIDE / 2
        return np.array(
            [
                [cos, -sin, half - cos * self.x + sin * self.y],
                [sin, cos, half - sin * self.x - cos * self.y],
            ]
        )


@dataclass(frozen=True)
class Reading:
    """What one frame shows of the face: lip opening, face height, and the lower face's box
    (x0, y0, x1, y1 as shares of the picture: from the nose tip to the chin, cheek to cheek)."""

    opening: float
    face_height: float
    lower_face: tuple[float, float, float, float]


def network() -> cv2.dnn.Net:
    """This thread's landmark network (loaded once per thread)."""
    net = getattr(_local, "net", None)
    if net is None:
        net = cv2.dnn.readNetFromTFLite(str(MODEL_FILE))
        _local.net = net
    return net


def landmarks(picture: np.ndarray, crop: Crop) -> tuple[np.ndarray, float]:
    """The 468 landmarks (x, y in picture pixels) and the face score (0–1) inside ``crop``."""
    matrix = crop.matrix()
    patch = cv2.warpAffine(
        picture,
        matrix,
        (INPUT_SIDE, INPUT_SIDE),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    blob = cv2.dnn.blobFromImage(patch, 1 / 255, swapRB=True)
    net = network()
    net.setInput(blob)
    outputs = net.forward(net.getUnconnectedOutLayersNames())
    points = next(o for o in outputs if o.size == 468 * 3).reshape(468, 3)[:, :2]
    logit = float(next(o for o in outputs if o.size == 1).reshape(-1)[0])
    back = cv2.invertAffineTransform(matrix)
    return points @ back[:, :2].T + back[:, 2], 1 / (1 + math.exp(-max(-50.0, min(50.0, logit))))


def crop_around(points: np.ndarray) -> Crop:
    """The next frame's crop: the landmarks' extent, squared, 1.5 times, eyes level."""
    low, high = points.min(axis=0), points.max(axis=0)
    eyes = points[LEFT_EYE] - points[RIGHT_EYE]
    return Crop(
        float(low[0] + high[0]) / 2,
        float(low[1] + high[1]) / 2,
        float(max(high - low)) * CROP_SCALE,
        math.atan2(float(eyes[1]), float(eyes[0])),
    )


def reading_of(points: np.ndarray, width: int, height: int) -> Reading:
    eye_distance = float(np.linalg.norm(points[LEFT_EYE] - points[RIGHT_EYE])) or 1.0
    opening = float(np.linalg.norm(points[UPPER_LIP] - points[LOWER_LIP])) / eye_distance
    face_height = float(points[CHIN, 1] - points[FOREHEAD, 1]) / height
    margin = 0.1 * face_height * height
    box = (
        max(0.0, (min(points[RIGHT_CHEEK, 0], points[LEFT_CHEEK, 0]) - margin) / width),
        max(0.0, points[NOSE_TIP, 1] / height),
        min(1.0, (max(points[RIGHT_CHEEK, 0], points[LEFT_CHEEK, 0]) + margin) / width),
        min(1.0, (points[CHIN, 1] + margin) / height),
    )
    return Reading(opening, abs(face_height), box)


class LipReader:
    """Follows one face from frame to frame (give frames in time order); not thread-safe."""

    def __init__(self, fps: float) -> None:
        self._cascade = face_cascade()
        self._crop: Crop | None = None
        self._search_every = max(1, round(SEARCH_EVERY_S * fps))
        self._since_search = self._search_every

    def read(self, picture: np.ndarray, grey: Callable[[], np.ndarray]) -> Reading | None:
        """The face in ``picture`` (upright BGR), or ``None``; ``grey`` gives its small grey copy
        for the cascade (asked for only when the face must be searched)."""
        if self._crop is None:
            self._crop = self._search(grey, picture.shape[0])
            if self._crop is None:
                return None
        points, score = landmarks(picture, self._crop)
        following = crop_around(points)
        if score < FACE_SCORE or following.side < MIN_SIDE:
            self._crop = None
            return None
        self._crop = following
        return reading_of(points, picture.shape[1], picture.shape[0])

    def _search(self, grey: Callable[[], np.ndarray], height: int) -> Crop | None:
        """The largest face the cascade finds, at most every ``SEARCH_EVERY_S``."""
        if self._since_search < self._search_every:
            self._since_search += 1
            return None
        self._since_search = 1
        small = grey()
        scale = height / small.shape[0]
        boxes = detect_faces(self._cascade, small)
        if not boxes:
            return None
        x, y, w, h = max(boxes, key=lambda box: box[3])
        return Crop(
            (x + w / 2) * scale, (y + h / 2 + BOX_TO_CENTRE * h) * scale, w * CROP_SCALE * scale
        )

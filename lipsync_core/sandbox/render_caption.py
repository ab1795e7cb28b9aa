"""The visible "sandbox render" marks: a caption strip on video frames, a tag on thumbnails.

The strip is drawn once per frame size with OpenCV, converted to yuv420p, and then copied over
the bottom rows of each frame's planes: an opaque strip costs one small copy per frame, with no
colour conversion and no text drawing in the frame loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
STRIP_BGR = (24, 24, 24)
TEXT_BGR = (0, 215, 255)  # amber on near-black, a warning's colours
STRIP_SHARE = 0.06  # of the frame height
MIN_STRIP = 16
THUMBNAIL_TAG = "SANDBOX"


@dataclass(frozen=True)
class Banner:
    """A caption strip in yuv420p, ready to be copied onto frames of one size."""

    width: int
    height: int
    top: int  # first row of the strip; even
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray

    def apply(self, planes: np.ndarray) -> np.ndarray:
        """Overwrite the bottom rows of a yuv420p frame (height * 3 / 2 x width) in place."""
        w, h = self.width, self.height
        flat = planes.reshape(-1)
        luma, quarter = w * h, w * h // 4
        flat[:luma].reshape(h, w)[self.top :] = self.y
        flat[luma : luma + quarter].reshape(h // 2, w // 2)[self.top // 2 :] = self.u
        flat[luma + quarter :].reshape(h // 2, w // 2)[self.top // 2 :] = self.v
        return planes


@lru_cache(maxsize=16)
def banner(width: int, height: int, text: str) -> Banner:
    """The strip with ``text`` for frames of this (even) size."""
    strip = max(MIN_STRIP, round(height * STRIP_SHARE))
    strip = min(strip + strip % 2, height)
    image = np.full((strip, width, 3), STRIP_BGR, dtype=np.uint8)
    _put_centred(image, text, text_height=strip * 0.5, max_width=width * 0.92)
    i420 = cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420).reshape(-1)
    luma, quarter = strip * width, strip * width // 4
    y = i420[:luma].reshape(strip, width)
    u = i420[luma : luma + quarter].reshape(strip // 2, width // 2)
    v = i420[luma + quarter :].reshape(strip // 2, width // 2)
    for plane in (y, u, v):
        plane.setflags(write=False)  # shared by every render of this size, across threads
    return Banner(width, height, height - strip, y, u, v)


def _put_centred(image: np.ndarray, text: str, *, text_height: float, max_width: float) -> None:
    (unit_w, unit_h), _ = cv2.getTextSize(text, FONT, 1.0, 1)
    scale = min(text_height / unit_h, max_width / unit_w)
    thickness = 1 if scale < 0.8 else 2
    (text_w, text_h), _ = cv2.getTextSize(text, FONT, scale, thickness)
    x = max(0, (image.shape[1] - text_w) // 2)
    y = (image.shape[0] + text_h) // 2
    cv2.putText(image, text, (x, y), FONT, scale, TEXT_BGR, thickness, cv2.LINE_AA)


def tag_thumbnail(image: np.ndarray) -> np.ndarray:
    """Draw a small "SANDBOX" tag in the top-left corner of a BGR image, in place."""
    scale = max(0.3, image.shape[1] / 960)
    (text_w, text_h), base = cv2.getTextSize(THUMBNAIL_TAG, FONT, scale, 1)
    pad = max(2, text_h // 3)
    box_w, box_h = text_w + 2 * pad, text_h + base + 2 * pad
    cv2.rectangle(image, (0, 0), (box_w, box_h), STRIP_BGR, thickness=-1)
    origin = (pad, pad + text_h)
    cv2.putText(image, THUMBNAIL_TAG, origin, FONT, scale, TEXT_BGR, 1, cv2.LINE_AA)
    return image

"""How much of a result's picture outside the mouth differs from its source video.

Lip-sync should redraw the lower face and leave everything else alone; a provider that blurs,
shifts, recolours or re-times the whole picture shows up here. Frames kept while the result was
read (two a second, as 360 px grey copies) are compared with the source's frames at the same
times, resized to the same size; both are blurred a little so that encoding noise does not
count. A pixel has changed when its brightness differs by more than ``CHANGED_LEVELS``; the
lower face of the result (nose tip to chin, cheek to cheek) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from lipsync_core.media.frame_sampling import frames_per_second, grey_of, rotation_of, upright

KEEP_EVERY_S = 0.5
CHANGED_LEVELS = 8
BLUR = (5, 5)


@dataclass(frozen=True)
class Kept:
    """A frame of the result kept for comparison: its time, grey copy, and lower face box
    (x0, y0, x1, y1 as shares of the picture; ``None`` when no face was seen)."""

    time_s: float
    grey: np.ndarray
    lower_face: tuple[float, float, float, float] | None


def outside_mouth_change(source: str | Path, kept: list[Kept]) -> float | None:
    """The mean share of changed pixels outside the lower face, over the kept frames the source
    has (``None`` when it has none of them). Raises PyAV's errors for an unreadable source."""
    shares = [_changed_share(frame, picture) for frame, picture in _source_pictures(source, kept)]
    return float(np.mean(shares)) if shares else None


def _source_pictures(source: str | Path, kept: list[Kept]):
    """Each kept frame with the source's grey picture shown at its time."""
    wanted = iter(sorted(kept, key=lambda k: k.time_s))
    frame = next(wanted, None)
    with av.open(str(source)) as container:
        if not container.streams.video or frame is None:
            return
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = float(stream.time_base or 0)
        origin = float(stream.start_time * base) if stream.start_time is not None else 0.0
        half_frame = 0.5 / frames_per_second(stream)
        for decoded in container.decode(stream):
            at = (decoded.pts or 0) * base - origin
            while frame is not None and at >= frame.time_s - half_frame:
                yield frame, upright(grey_of(decoded), rotation_of(decoded))
                frame = next(wanted, None)
            if frame is None:
                return


def _changed_share(frame: Kept, picture: np.ndarray) -> float:
    height, width = frame.grey.shape
    if picture.shape != frame.grey.shape:
        picture = cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)
    difference = cv2.absdiff(cv2.blur(frame.grey, BLUR), cv2.blur(picture, BLUR))
    outside = np.ones((height, width), bool)
    if frame.lower_face is not None:
        x0, y0, x1, y1 = frame.lower_face
        outside[round(y0 * height) : round(y1 * height), round(x0 * width) : round(x1 * width)] = (
            False
        )
    counted = np.count_nonzero(outside)
    return float(np.count_nonzero(difference[outside] > CHANGED_LEVELS)) / max(1, counted)

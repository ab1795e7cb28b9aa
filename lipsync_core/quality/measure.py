"""``measure_sync``: whether, and how closely, the lips of a video follow its audio.

Every frame is decoded (on its own thread, the picture turned upright) and the face's lip
opening read with the landmark model (:mod:`lipsync_core.quality.lips`); the audio's loudness
(:mod:`lipsync_core.quality.sound`) is then slid against it (:mod:`lipsync_core.quality.alignment`).
A result that cannot be measured is a report with a ``reason`` sentence, never an exception, so
a background job can store it as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from lipsync_core.i18n import _, kept_in_english
from lipsync_core.media.frame_sampling import (
    frames_per_second,
    grey_of,
    in_background,
    rotation_of,
    upright,
)
from lipsync_core.quality.alignment import align
from lipsync_core.quality.change import KEEP_EVERY_S, Kept, outside_mouth_change
from lipsync_core.quality.lips import LipReader
from lipsync_core.quality.report import SyncReport
from lipsync_core.quality.sound import SILENCE_RMS, Loudness, NoSoundError, loudness

MIN_CONFIDENCE = 0.5
MIN_FACE_S = 2.0
MIN_SOUND_S = 1.0
# Pictures taller than this are read at this height (faces stay well above the model's 192 px).
MAX_LINES = 1080
DECODED_AHEAD = 8
READ_ERRORS = (av.FFmpegError, OSError, ValueError, EOFError, cv2.error)


class _Unmeasurable(Exception):
    """Why nothing can be measured, as the sentence the report carries."""


@dataclass
class _Trace:
    """What reading the picture gave: per frame time and lip opening (NaN: no face)."""

    fps: float
    origin_s: float
    times: np.ndarray
    opening: np.ndarray
    largest_face: float
    kept: list[Kept] = field(default_factory=list)

    @property
    def face_share(self) -> float:
        return float(np.isfinite(self.opening).mean()) if len(self.opening) else 0.0

    @property
    def face_seconds(self) -> float:
        return float(np.isfinite(self.opening).sum()) / self.fps

    @property
    def duration_s(self) -> float:
        return float(len(self.times)) / self.fps


@kept_in_english
def measure_sync(
    video: str | Path, audio: str | Path | None = None, *, source: str | Path | None = None
) -> SyncReport:
    """Measure how the lips in ``video`` follow ``audio`` (a path; ``None``: the video's own
    sound track), and, given ``source`` (the video sent to the provider), how much of the
    picture outside the mouth changed. See :class:`SyncReport` for every field.

    Sign: ``offset_ms`` > 0 when the audio runs ahead of the lips (a sound is heard before the
    mouth shapes it), < 0 when it runs behind (the mouth moves first).

    Never raises for a file that cannot be measured: the report's ``reason`` says why in one
    sentence, in English (it is kept with the job and shown translated). Safe to call from
    several threads at once (each has its own decoder and model).
    """
    video = Path(video)
    try:
        trace = _read_picture(video, keep=source is not None)
    except _Unmeasurable as exc:
        return SyncReport(None, None, False, reason=str(exc))
    facts = {
        "face_share": round(trace.face_share, 4),
        "largest_face_ratio": round(trace.largest_face, 4),
        "duration_s": round(trace.duration_s, 3),
    }
    notes: list[str] = []
    if source is not None:
        facts["outside_mouth_change"] = _change(Path(source), trace, notes)
    try:
        sound = _read_sound(video, audio, trace)
        _check(trace, sound)
    except _Unmeasurable as exc:
        return SyncReport(None, None, False, **facts, reason=str(exc), notes=tuple(notes))
    found = align(trace.times, trace.opening, trace.fps, sound)
    moves = found.correlation >= MIN_CONFIDENCE
    return SyncReport(
        round(found.lag_s * 1000, 1) if moves else None,
        round(max(0.0, found.correlation), 3),
        moves,
        **facts,
        notes=tuple(notes),
    )


def _read_picture(video: Path, *, keep: bool) -> _Trace:
    if not video.is_file():
        raise _Unmeasurable(_("The video {name} was not found.").format(name=video.name))
    try:
        with av.open(str(video)) as container:
            if not container.streams.video:
                raise _Unmeasurable(
                    _("The file {name} has no picture to measure.").format(name=video.name)
                )
            return _follow_lips(container, container.streams.video[0], keep)
    except READ_ERRORS as exc:
        raise _Unmeasurable(
            _(
                "The video {name} could not be read: it may be damaged, cut short or not a video."
            ).format(name=video.name)
        ) from exc


def _follow_lips(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, keep: bool
) -> _Trace:
    stream.thread_type = "AUTO"
    fps = frames_per_second(stream)
    base = float(stream.time_base or 0)
    origin = float(stream.start_time * base) if stream.start_time is not None else 0.0
    reader = LipReader(fps)
    times: list[float] = []
    opening: list[float] = []
    kept: list[Kept] = []
    largest = 0.0
    for at, frame in in_background(_frames(container, stream, origin), DECODED_AHEAD):
        shown = _Shown(frame)
        reading = reader.read(shown.picture(), shown.grey)
        times.append(at)
        opening.append(np.nan if reading is None else reading.opening)
        if reading is not None:
            largest = max(largest, reading.face_height)
        if keep and at >= len(kept) * KEEP_EVERY_S:
            kept.append(Kept(at, shown.grey(), None if reading is None else reading.lower_face))
    if not times:
        raise _Unmeasurable(_("The video has no frames to measure."))
    return _Trace(fps, origin, np.array(times), np.array(opening), largest, kept)


def _frames(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, origin: float
) -> Iterator[tuple[float, av.VideoFrame]]:
    """Each decoded frame with its time on the picture's clock.

    Frames, not pictures, cross to the measuring thread, which makes and frees its pictures
    itself: with 2.7 MB pictures made on the decoding thread and freed on this one, the bench saw
    the peak memory of a 10 s 720p measure reach 480 MB in one run of three (about 160 MB in the
    others); made here, it stays at about 136 MB.
    """
    base = float(stream.time_base or 0)
    fps = frames_per_second(stream)
    for number, frame in enumerate(container.decode(stream)):
        yield (frame.pts * base - origin if frame.pts is not None else number / fps), frame


class _Shown:
    """One frame as the measure looks at it: upright BGR, and (when asked) the small grey copy."""

    def __init__(self, frame: av.VideoFrame) -> None:
        self._frame = frame
        self._rotation = rotation_of(frame)
        self._grey: np.ndarray | None = None

    def picture(self) -> np.ndarray:
        frame, size = self._frame, {}
        if frame.height > MAX_LINES:
            size = {"width": round(frame.width * MAX_LINES / frame.height), "height": MAX_LINES}
        return upright(frame.to_ndarray(format="bgr24", **size), self._rotation)

    def grey(self) -> np.ndarray:
        if self._grey is None:
            self._grey = upright(grey_of(self._frame), self._rotation)
        return self._grey


def _read_sound(video: Path, audio: str | Path | None, trace: _Trace) -> Loudness:
    path = video if audio is None else Path(audio)
    if audio is not None and not path.is_file():
        raise _Unmeasurable(_("The audio {name} was not found.").format(name=path.name))
    try:
        return loudness(path, trace.origin_s if audio is None else None)
    except NoSoundError as exc:
        if audio is None:
            raise _Unmeasurable(
                _(
                    "The video has no sound track, so there is no speech to compare the lips "
                    "with; measure it with the audio that was sent."
                )
            ) from exc
        raise _Unmeasurable(_("The file {name} has no sound.").format(name=path.name)) from exc
    except READ_ERRORS as exc:
        raise _Unmeasurable(
            _("The audio {name} could not be read: it may be damaged or not a sound file.").format(
                name=path.name
            )
        ) from exc


def _check(trace: _Trace, sound: Loudness) -> None:
    """Raise when there is too little face or speech to measure."""
    if trace.face_seconds == 0:
        raise _Unmeasurable(_("No face was found in the video, so lip sync cannot be judged."))
    if trace.face_seconds < MIN_FACE_S:
        raise _Unmeasurable(
            _(
                "A face is visible for only {seconds} s; at least {needed} s are needed to judge "
                "lip sync."
            ).format(seconds=f"{trace.face_seconds:.1f}", needed=f"{MIN_FACE_S:.0f}")
        )
    if len(sound.rms) == 0 or float(sound.rms.max()) < SILENCE_RMS:
        raise _Unmeasurable(_("The audio is silent, so there is no speech for the lips to follow."))
    if sound.speech_seconds() < MIN_SOUND_S:
        raise _Unmeasurable(
            _("The audio has less than a second of sound, too little to judge lip sync.")
        )


def _change(source: Path, trace: _Trace, notes: list[str]) -> float | None:
    """The outside-the-mouth change against ``source``, or ``None`` with a note saying why."""
    if not source.is_file():
        notes.append(
            _(
                "The source video {name} was not found, so changes outside the mouth were not "
                "measured."
            ).format(name=source.name)
        )
        return None
    try:
        change = outside_mouth_change(source, trace.kept)
    except READ_ERRORS:
        notes.append(
            _(
                "The source video {name} could not be read, so changes outside the mouth were "
                "not measured."
            ).format(name=source.name)
        )
        return None
    if change is None:
        notes.append(
            _(
                "The source video has no frames at the result's times, so changes outside the "
                "mouth were not measured."
            )
        )
        return None
    return round(change, 4)

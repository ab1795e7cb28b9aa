"""A free, local face preflight: where a face is visible, and how big, before paying a provider.

Frames are sampled (5 per second by default; decoding in
:mod:`lipsync_core.media.frame_sampling`) and searched with OpenCV's bundled Haar cascade on a
grey copy of the picture whose shorter side is 360 px. Faces are followed as tracks; as Kling
does, a face missing for more than 1 s starts a new track (a new ``face_id``).

Speed (measured by ``bench/bench_faces.py``) comes from these choices:

- when key frames are at most 1 s apart (phones and cameras record so), only key frames are
  decoded and searched first. Between two key frames that show the same faces (same
  number, each within one face width and size of the other), nothing can split a track (a gap
  there is shorter than 1 s), so only the stretches where the faces differ, and the last one,
  are decoded at the sampling rate. A phone's 60 s 1080p clip of one speaker decodes 60 frames
  instead of 1,800 (2.0 s instead of 7.5 s). What this gives up: a face visible for less than
  the key frame interval between two key frames that do not show it is not reported;
- otherwise every frame is decoded (skipping what no sample needs; see ``frame_sampling``), in
  stretches cut at key frames, one per core (``PARTS``): each is decoded on one thread while
  another searches its samples, and the stretches' tracks are joined by the scanner's own rule
  (a long-GOP export with one slice per frame: 5.2 s instead of 6.6 s, where decoding alone
  takes 7.4 s of CPU);
- faces are followed from sample to sample cheaply, with a whole-picture search every 2 s (see
  :mod:`lipsync_core.media.face_tracks`).

Memory is bounded before anything is decoded: a file larger than any provider takes (picture
size, length or bytes, :data:`~lipsync_core.media.caps.DECODE_CAPS`) is refused, and decoders
refuse larger pictures whatever the file states. The decoded frames held at once fit
``FRAME_BUDGET``: up to 1080p, frames are kept for face crops and stretches are searched side by
side as far as it allows; larger pictures (up to 4K) are searched in one stretch on one decoding
thread with two samples waiting, and decoded again for their crops. Faces out of view let go of
their pictures (see ``face_tracks``). ``bench/bench_memory.py`` measures the peaks.

A Haar cascade finds frontal faces; profiles, strong tilts and faces under about 24 px in the
360 px copy (about 7 % of a landscape picture's height; reliably from about 10 %) are missed, and a
face-like pattern can now and then be taken for a face. Faces seen in one sample only are dropped
as noise.
"""

from __future__ import annotations

import itertools
import os
import statistics
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av
import cv2

from lipsync_core.errors import Finding, MediaValidationError, Severity
from lipsync_core.formats import percent
from lipsync_core.i18n import _
from lipsync_core.media.caps import ensure_decodable
from lipsync_core.media.face_tracks import (
    GAP_MS,
    MAX_KEPT_FRAMES,
    Scanner,
    Track,
    join_tracks,
    same_faces,
)
from lipsync_core.media.frame_sampling import (
    Box,
    Sample,
    TimeRange,
    append_piece,
    frames_per_second,
    in_background,
    key_frame_pts,
    key_frames,
    open_capped,
    picture_at,
    samples_of,
    split,
    upright,
)

CROP_MARGIN = 0.35
JPEG_QUALITY = 85
MIN_HITS = 2
CASCADE_FILE = "haarcascade_frontalface_alt2.xml"
# Decoded samples waiting for the cascade; each holds its full frame (about 3 MB at 1080p).
SAMPLE_QUEUE = 16
# Stretches of video searched side by side (each decoded single-threaded in its own thread):
# one per core, as decoding and searching both use a whole core.
PARTS = max(1, min(4, os.cpu_count() or 1))
# Decoded frames the face check may hold at once: samples waiting for the search, each run's
# recent samples (a whole-picture search every 2 s at 5 a second) and frames kept for crops.
FRAME_BUDGET = 160 * 2**20
HELD_PER_RUN = 10 + MAX_KEPT_FRAMES
LEAN_QUEUE = 2


@dataclass(frozen=True)
class DecodePlan:
    """How much decoding runs at once: stretches side by side, samples waiting for the search
    (shared by the runs), whether samples keep their frame for the crop, the decoder's threads
    (``None``: FFmpeg's choice for a lone run)."""

    parts: int
    queue: int
    keep_frames: bool
    threads: int | None

    @classmethod
    def for_picture(cls, width: int, height: int) -> DecodePlan:
        """As many runs side by side as ``FRAME_BUDGET`` holds with frames kept (1080p: two);
        above that (4K) one run on one thread, no frames kept and two samples waiting."""
        frame_bytes = width * height * 3 // 2
        for parts in range(PARTS, 0, -1):
            if frame_bytes * (SAMPLE_QUEUE + parts * HELD_PER_RUN) <= FRAME_BUDGET:
                return cls(parts, SAMPLE_QUEUE, True, None)
        return cls(1, LEAN_QUEUE, False, 1)


@dataclass(frozen=True)
class FaceTrack:
    """One face, continuously visible (gaps of at most 1 s) from ``start_ms`` to ``end_ms``."""

    face_id: str
    start_ms: int
    end_ms: int
    largest_face_ratio: float
    crop_jpeg: bytes


@dataclass(frozen=True)
class FacePreflight:
    """Every face track of a video, the largest face's height / picture height, and warnings.

    ``frames_sampled`` counts the frames searched for faces.
    """

    tracks: list[FaceTrack]
    largest_face_ratio: float
    frames_sampled: int
    duration_ms: int
    findings: list[Finding]


def preflight_faces(
    path: str | Path, *, samples_per_second: float = 5.0, min_face_ratio: float = 0.1
) -> FacePreflight:
    """Sample ``path``'s frames and report its face tracks, with warnings in plain words.

    Raises :class:`MediaValidationError` when the file cannot be decoded, has no picture, or is
    larger than any provider takes.
    """
    if samples_per_second <= 0:
        raise ValueError("samples_per_second must be positive")
    name = Path(path).name
    interval = 1.0 / samples_per_second
    try:
        raw, searched, duration_ms = _search(path, interval)
        tracks = _finish(path, raw, round(interval * 1000), duration_ms)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaValidationError(
            _(
                "The file {name} could not be decoded as a video: it may be damaged or cut short."
            ).format(name=name)
        ) from exc
    largest = max((t.largest_face_ratio for t in tracks), default=0.0)
    findings = _findings(tracks, largest, min_face_ratio)
    return FacePreflight(tracks, largest, searched, duration_ms, findings)


def _search(path: str | Path, interval: float) -> tuple[list[Track], int, int]:
    """The raw tracks, how many frames were searched, and the video's duration in ms."""
    interval_ms = round(interval * 1000)
    with open_capped(path) as container:
        if not container.streams.video:
            raise MediaValidationError(
                _("The file {name} has no picture track.").format(name=Path(path).name)
            )
        stream = container.streams.video[0]
        duration_ms = _duration_ms(container, stream)
        width, height = stream.codec_context.width, stream.codec_context.height
        ensure_decodable(
            "The video",
            width=width,
            height=height,
            seconds=duration_ms / 1000,
            size_bytes=Path(path).stat().st_size,
        )
        plan = DecodePlan.for_picture(width, height)
        half_frame_ms = 500 / frames_per_second(stream)
        key_pts = key_frame_pts(container, stream)
        anchors = []
        if _key_frames_close(key_pts, float(stream.time_base or 0), half_frame_ms):
            anchors = _searched_key_frames(container, stream, interval, plan.queue)
        end_pts = round(duration_ms / 1000 / float(stream.time_base or 1))
    runs = split(_pieces(anchors, half_frame_ms), key_pts, plan.parts, end_pts)
    found_at = {a.pts: a.found for a in anchors}
    with ThreadPoolExecutor(len(runs)) as pool:
        results = list(
            pool.map(
                lambda number, run: _search_run(path, interval, run, found_at, number, plan),
                range(len(runs)),
                runs,
            )
        )
    tracks: list[Track] = []
    for run_tracks, _searched in results:
        tracks = join_tracks(tracks, run_tracks, interval_ms)
    searched = {a.pts for a in anchors}.union(*(pts for _, pts in results))
    return tracks, len(searched), duration_ms


def _search_run(
    path: str | Path,
    interval: float,
    pieces: list[Sample | TimeRange],
    found_at: dict[int, list[Box] | None],
    number: int,
    plan: DecodePlan,
) -> tuple[list[Track], set[int]]:
    """Search run ``number`` of ``plan.parts`` on its own: its tracks, and the frames it searched.

    Side by side, each run decodes on one thread and holds a share of ``plan.queue``.
    """
    scanner = Scanner(round(interval * 1000), face_cascade())
    searched: set[int] = set()
    threads = 1 if plan.parts > 1 else plan.threads
    with open_capped(path) as container:
        stream = container.streams.video[0]
        decoded = samples_of(
            container,
            stream,
            interval,
            pieces,
            first_index=number << 32,
            threads=threads,
            keep_frames=plan.keep_frames,
        )
        queue = max(min(4, plan.queue), plan.queue // plan.parts)
        for sample in in_background(decoded, queue):
            if sample.grey is not None:
                searched.add(sample.pts)
                sample.found = found_at.get(sample.pts)
            scanner.feed(sample)
    return scanner.finish(), searched


def face_cascade() -> cv2.CascadeClassifier:
    """OpenCV's bundled frontal-face cascade, a new one per call: give each thread its own (OpenCV
    does not promise to share one safely)."""
    return cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / CASCADE_FILE))


def _key_frames_close(key_pts: list[int], time_base: float, half_frame_ms: float) -> bool:
    """Whether key frames are mostly at most ``GAP_MS`` apart (then searching them first pays)."""
    gaps = [later - earlier for earlier, later in itertools.pairwise(key_pts)]
    return bool(gaps) and statistics.median(gaps) * time_base * 1000 <= GAP_MS + half_frame_ms


def _searched_key_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    interval: float,
    queue: int,
) -> list[Sample]:
    """One key frame per sampling interval, with the faces the scanner saw in each (their
    pictures are dropped once no search can look back at them)."""
    scanner = Scanner(round(interval * 1000), face_cascade())
    anchors: list[Sample] = []
    for sample in in_background(key_frames(container, stream, interval), queue):
        scanner.feed(sample)
        anchors.append(sample)
        if not scanner.recent:
            for anchor in reversed(anchors):
                if anchor.grey is None:
                    break
                anchor.grey = None
    tracks = scanner.finish()
    for anchor in anchors:
        anchor.grey = None
        anchor.found = [t.seen[anchor.index] for t in tracks if anchor.index in t.seen]
    return anchors


def _pieces(anchors: list[Sample], half_frame_ms: float) -> list[Sample | TimeRange]:
    """What to look at, in time order: a key frame alone where it and the next one show the
    same faces at most ``GAP_MS`` apart; every sample of the stretches between the others and of
    the last one (the whole video when there are no key frames to go by)."""
    if not anchors:
        return [TimeRange(None, None)]
    pieces: list[Sample | TimeRange] = []
    for anchor, following in zip(anchors, [*anchors[1:], None], strict=True):
        if (
            following is not None
            and following.ms - anchor.ms <= GAP_MS + half_frame_ms
            and same_faces(anchor.found or [], following.found or [])
        ):
            pieces.append(anchor)
            continue
        append_piece(pieces, TimeRange(anchor.pts, following.pts if following else None))
    return pieces


def _duration_ms(container: av.container.InputContainer, stream: av.stream.Stream) -> int:
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base) * 1000)
    return round(container.duration / 1000) if container.duration is not None else 0


def _finish(
    path: str | Path, tracks: list[Track], interval_ms: int, duration_ms: int
) -> list[FaceTrack]:
    """Drop one-off detections, number the rest in order of appearance, crop each face."""
    kept = sorted((t for t in tracks if len(t.seen) >= MIN_HITS), key=lambda t: t.first_ms)
    return [
        FaceTrack(
            face_id=str(number),
            start_ms=track.first_ms,
            end_ms=min(track.last_ms + interval_ms, duration_ms or track.last_ms + interval_ms),
            largest_face_ratio=round(track.best_box[3] / track.best.height, 4),
            crop_jpeg=_crop_jpeg(path, track.best, track.best_box),
        )
        for number, track in enumerate(kept)
    ]


def _crop_jpeg(path: str | Path, sample: Sample, box: Box) -> bytes:
    """A JPEG of the face in full resolution, upright, with a margin around it."""
    if sample.frame is not None:
        picture = upright(sample.frame.to_ndarray(format="bgr24"), sample.rotation)
    else:
        picture = picture_at(path, sample.pts)
    scale = picture.shape[0] / sample.height
    x, y, w, h = (v * scale for v in box)
    left, top = max(0, int(x - w * CROP_MARGIN)), max(0, int(y - h * CROP_MARGIN))
    right = min(picture.shape[1], int(x + w * (1 + CROP_MARGIN)))
    bottom = min(picture.shape[0], int(y + h * (1 + CROP_MARGIN)))
    ok, encoded = cv2.imencode(
        ".jpg", picture[top:bottom, left:right], [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise ValueError("the face crop could not be encoded as JPEG")
    return encoded.tobytes()


def _findings(tracks: list[FaceTrack], largest: float, min_face_ratio: float) -> list[Finding]:
    if not tracks:
        return [
            Finding(
                _(
                    "No face was found in the video. Lip-sync needs a clearly visible face turned "
                    "towards the camera; providers may still charge for a job that fails for this "
                    "reason."
                ),
                Severity.WARNING,
                "faces.none",
            )
        ]
    if largest < min_face_ratio:
        return [
            Finding(
                _(
                    "The largest face is only {largest} of the picture's height; faces smaller "
                    "than {smallest} often fail. Use a closer shot."
                ).format(
                    largest=percent(round(largest, 2)), smallest=percent(round(min_face_ratio, 2))
                ),
                Severity.WARNING,
                "faces.too_small",
            )
        ]
    return []

"""A free, local face preflight: where a face is visible, and how big, before paying a provider.

Frames are sampled (5 per second by default) from a PyAV decode and searched with OpenCV's bundled
Haar cascade on a grey copy of the picture whose shorter side is 360 px, turned upright when the
file says it is stored sideways (phones). Faces are followed as tracks; as Kling does,
a face missing for more than 1 s starts a new track (a new ``face_id``).

Speed (measured by ``bench/bench_faces.py``) comes from these choices:

- the decoder skips frames that no other frame refers to (``skip_frame=NONREF``, lossless for the
  frames kept) when at most every fourth frame is sampled, and skips the deblocking filter (the
  picture is shrunk three times anyway);
- decoding runs in its own thread while the cascade searches the previous samples (both release
  the GIL): on the bench clip (60 s, 1080p, 12 Mbit/s H.264, 2 cores) 7.7 s became 5.6 s wall,
  close to the floor of its 10.2 s CPU (decoding 6.9 s, cascade about 3 s) shared by 2 cores;
- the decoder uses slice threads when the first frame has several slices (many encoders cut
  frames so): there they split each frame's work evenly (decoding alone: 3.8 s wall against
  5.6 s with FFmpeg's default frame threads, which sit idle around the frames skipped); else
  FFmpeg picks;
- the grey picture is the decoded luma plane itself, shrunk with ``cv2.INTER_AREA``: no colour
  conversion;
- the whole picture is searched every 2 s (``FULL_SCAN_SECONDS``) and at the last sample; at every
  sample, each face is looked for only near where it was, at nearby sizes, on a copy shrunk so the
  face is about 40 px high — a few percent of the cost of a whole-picture search;
- a face first seen by a whole-picture search is followed backwards through the samples since
  the previous one, so its start keeps the sampling precision; if it appeared at most 1 s after a
  track ended and at most ``MAX_JUMP`` face widths from it (a fast move, a cut), it continues
  that track.

A Haar cascade finds frontal faces; profiles, strong tilts and faces under about 24 px in the
360 px copy (about 7 % of a landscape picture's height; reliably from about 10 %) are missed, and a
face-like pattern can now and then be taken for a face. Faces seen in one sample only are dropped
as noise.
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from lipsync_core.errors import Finding, MediaValidationError, Severity

DETECT_SIDE = 360
GAP_MS = 1000
FULL_SCAN_SECONDS = 2.0
MAX_JUMP = 3.0
CROP_MARGIN = 0.35
JPEG_QUALITY = 85
MIN_HITS = 2
NEAR_FACE_PX = 40
CASCADE_FILE = "haarcascade_frontalface_alt2.xml"
# Decoded samples waiting for the cascade; each holds its full frame (about 3 MB at 1080p).
SAMPLE_QUEUE = 16
# Pixel formats whose first plane is 8-bit luma: the grey picture without any conversion.
LUMA_FIRST_FORMATS = frozenset(
    ["yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"]
)

Box = tuple[int, int, int, int]


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
    """Every face track of a video, the largest face's height / picture height, and warnings."""

    tracks: list[FaceTrack]
    largest_face_ratio: float
    frames_sampled: int
    duration_ms: int
    findings: list[Finding]


@dataclass
class _Sample:
    index: int
    ms: int
    grey: np.ndarray  # upright, shorter side DETECT_SIDE (or less)
    frame: av.VideoFrame

    @property
    def rotation(self) -> int:
        return _rotation(self.frame)


@dataclass
class _Track:
    first_ms: int
    first_box: Box
    last_ms: int
    last_box: Box
    best_box: Box
    best: _Sample  # the sample in which the face was largest
    seen: dict[int, Box]  # sample index -> where the face was in that sample

    @classmethod
    def start(cls, sample: _Sample, box: Box) -> _Track:
        return cls(sample.ms, box, sample.ms, box, box, sample, {sample.index: box})

    def add(self, sample: _Sample, box: Box) -> None:
        self.absorb(_Track.start(sample, box))

    def absorb(self, other: _Track) -> None:
        """Take in ``other``'s detections: the same face, seen at other times."""
        if other.first_ms < self.first_ms:
            self.first_ms, self.first_box = other.first_ms, other.first_box
        if other.last_ms >= self.last_ms:
            self.last_ms, self.last_box = other.last_ms, other.last_box
        if other.best_box[3] > self.best_box[3]:
            self.best_box, self.best = other.best_box, other.best
        self.seen.update(other.seen)


@dataclass
class _Scanner:
    """Runs the cascade and keeps the tracks while samples arrive in time order."""

    interval_ms: int
    full_every: int
    cascade: cv2.CascadeClassifier
    tracks: list[_Track] = field(default_factory=list)
    recent: deque[_Sample] = field(default_factory=deque)

    def feed(self, sample: _Sample) -> None:
        for track in self.tracks:
            if sample.ms - track.last_ms <= GAP_MS + self.interval_ms:
                box = self._near(sample.grey, track.last_box)
                if box is not None:
                    track.add(sample, box)
        if sample.index % self.full_every == 0:
            self._search_everywhere(sample)
        else:
            self.recent.append(sample)

    def finish(self) -> list[_Track]:
        """Search the last sample everywhere too, so a face in the last seconds is not missed."""
        if self.recent:
            self._search_everywhere(self.recent.pop())
        return self.tracks

    def _search_everywhere(self, sample: _Sample) -> None:
        found = self.cascade.detectMultiScale(
            sample.grey, scaleFactor=1.2, minNeighbors=3, minSize=(24, 24)
        )
        for x, y, w, h in found:
            box = (int(x), int(y), int(w), int(h))
            if self._owner(sample.index, box) is None:
                self._follow_back(sample, box)
        self.recent.clear()

    def _owner(self, index: int, box: Box) -> _Track | None:
        """The track that already has a face overlapping ``box`` in sample ``index``."""
        return next(
            (t for t in self.tracks if index in t.seen and _overlap(t.seen[index], box)), None
        )

    def _follow_back(self, sample: _Sample, box: Box) -> None:
        """Follow a newly found face back through the samples since the last whole-picture
        search; keep it as a new track unless it turns out to continue one."""
        track = _Track.start(sample, box)
        for earlier in reversed(self.recent):
            found = self._near(earlier.grey, track.first_box)
            if found is None:
                break
            owner = self._owner(earlier.index, found)
            if owner is not None:
                owner.absorb(track)
                return
            track.add(earlier, found)
        previous = [
            t
            for t in self.tracks
            if 0 < track.first_ms - t.last_ms <= GAP_MS + self.interval_ms
            and _distance(t.last_box, track.first_box) <= MAX_JUMP
        ]
        if previous:
            min(previous, key=lambda t: _distance(t.last_box, track.first_box)).absorb(track)
        else:
            self.tracks.append(track)

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


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _distance(a: Box, b: Box) -> float:
    """Distance between the boxes' centres, in sizes of the first box."""
    ax, ay, bx, by = a[0] + a[2] / 2, a[1] + a[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2
    return math.hypot(ax - bx, ay - by) / max(1, a[2])


def preflight_faces(
    path: str | Path, *, samples_per_second: float = 5.0, min_face_ratio: float = 0.1
) -> FacePreflight:
    """Sample ``path``'s frames and report its face tracks, with warnings in plain words.

    Raises :class:`MediaValidationError` when the file cannot be decoded or has no picture.
    """
    if samples_per_second <= 0:
        raise ValueError("samples_per_second must be positive")
    name = Path(path).name
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaValidationError(f"The file {name} has no picture track.")
            stream = container.streams.video[0]
            raw, interval_ms, count = _scan(container, stream, samples_per_second)
            duration_ms = _duration_ms(container, stream)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaValidationError(
            f"The file {name} could not be decoded as a video: it may be damaged or cut short."
        ) from exc
    tracks = _finish(raw, interval_ms, duration_ms)
    largest = max((t.largest_face_ratio for t in tracks), default=0.0)
    findings = _findings(tracks, largest, min_face_ratio)
    return FacePreflight(tracks, largest, count, duration_ms, findings)


def _scan(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    samples_per_second: float,
) -> tuple[list[_Track], int, int]:
    """Decode ``stream`` and scan one frame per sampling interval.

    Decoding runs in its own thread and the cascade in this one, overlapping (PyAV and OpenCV
    both release the GIL). Returns the raw tracks, the sampling interval in ms and the number
    of frames sampled.
    """
    interval = 1.0 / samples_per_second
    _configure_decoder(container, stream, samples_per_second)
    cascade = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / CASCADE_FILE))
    full_every = max(1, round(FULL_SCAN_SECONDS * samples_per_second))
    scanner = _Scanner(round(interval * 1000), full_every, cascade)
    samples: queue.Queue[_Sample | _Done] = queue.Queue(maxsize=SAMPLE_QUEUE)
    producer = threading.Thread(
        target=_produce, args=(container, stream, interval, samples), daemon=True
    )
    producer.start()
    try:
        while not isinstance(item := samples.get(), _Done):
            scanner.feed(item)
    finally:
        _drain(samples, producer)
    if item.error is not None:
        raise item.error
    return scanner.finish(), scanner.interval_ms, item.count


def _configure_decoder(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    samples_per_second: float,
) -> None:
    """Skip what the samples do not need, and pick the decoder's threading (see the module
    docstring: slice threads when frames have several slices, else FFmpeg's choice)."""
    fps = float(stream.average_rate or stream.guessed_rate or 25)
    if fps / samples_per_second >= 4:
        stream.codec_context.skip_frame = "NONREF"
    stream.codec_context.options = {"skip_loop_filter": "all"}
    if _first_frame_slices(container, stream) > 1:
        stream.thread_type = "SLICE"
        stream.codec_context.thread_count = os.cpu_count() or 1
    else:
        stream.thread_type = "AUTO"


def _first_frame_slices(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> int:
    """How many slices the first H.264 frame is cut into (1 for other codecs or when unsure).

    Reads one packet's NAL unit headers (length-prefixed, as in MP4), then seeks back.
    """
    extradata = stream.codec_context.extradata
    if stream.codec_context.name != "h264" or not extradata or extradata[0] != 1:
        return 1
    length_size = (extradata[4] & 3) + 1
    packet = next((p for p in container.demux(stream) if p.size), None)
    container.seek(0, stream=stream)
    data = bytes(packet) if packet is not None else b""
    slices, at = 0, 0
    while at + length_size < len(data):
        size = int.from_bytes(data[at : at + length_size], "big")
        slices += data[at + length_size] & 0x1F in (1, 5)
        at += length_size + size
    return max(1, slices)


@dataclass
class _Done:
    """The producer's last message: how many samples it made, or why it stopped."""

    count: int
    error: BaseException | None = None


def _produce(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    interval: float,
    samples: queue.Queue[_Sample | _Done],
) -> None:
    """Decode ``stream`` and put one upright grey sample per sampling interval on ``samples``."""
    fps = float(stream.average_rate or stream.guessed_rate or 25)
    start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
    next_slot, count = 0, 0
    try:
        for decoded, frame in enumerate(container.decode(stream)):
            at = (frame.time - start) if frame.time is not None else decoded / fps
            slot = math.floor((at + 0.5 / fps) / interval)
            if slot < next_slot:
                continue
            next_slot = slot + 1
            grey = _upright(_grey(frame), _rotation(frame))
            samples.put(_Sample(count, round(at * 1000), grey, frame))
            count += 1
    except BaseException as exc:  # handed to the scanning thread, which raises it
        samples.put(_Done(count, exc))
        return
    samples.put(_Done(count))


def _drain(samples: queue.Queue[_Sample | _Done], producer: threading.Thread) -> None:
    """Let the producer finish even when the scanner stopped early (it may block on a full
    queue), so the container is not closed under it."""
    while producer.is_alive():
        try:
            samples.get(timeout=0.1)
        except queue.Empty:
            continue


def _grey(frame: av.VideoFrame) -> np.ndarray:
    """The frame's luma, shrunk so its shorter side is ``DETECT_SIDE`` (never enlarged)."""
    if frame.format.name in LUMA_FIRST_FORMATS:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        luma = rows[: frame.height, : frame.width]
    else:
        luma = frame.to_ndarray(format="gray")
    shrink = DETECT_SIDE / min(frame.width, frame.height)
    if shrink >= 1:
        return np.ascontiguousarray(luma)
    size = (round(frame.width * shrink), round(frame.height * shrink))
    return cv2.resize(luma, size, interpolation=cv2.INTER_AREA)


def _rotation(frame: av.VideoFrame) -> int:
    """Degrees counter-clockwise that turn the stored picture upright (0, 90, 180 or 270)."""
    return round((frame.rotation or 0) / 90) % 4 * 90


def _upright(picture: np.ndarray, rotation: int) -> np.ndarray:
    """``picture`` turned ``rotation`` degrees counter-clockwise (phones store portrait videos
    sideways and say so in the file's display matrix)."""
    turns = {
        90: cv2.ROTATE_90_COUNTERCLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_CLOCKWISE,
    }
    return cv2.rotate(picture, turns[rotation]) if rotation in turns else picture


def _duration_ms(container: av.container.InputContainer, stream: av.stream.Stream) -> int:
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base) * 1000)
    return round(container.duration / 1000) if container.duration is not None else 0


def _finish(tracks: list[_Track], interval_ms: int, duration_ms: int) -> list[FaceTrack]:
    """Drop one-off detections, number the rest in order of appearance, crop each face."""
    kept = sorted((t for t in tracks if len(t.seen) >= MIN_HITS), key=lambda t: t.first_ms)
    return [
        FaceTrack(
            face_id=str(number),
            start_ms=track.first_ms,
            end_ms=min(track.last_ms + interval_ms, duration_ms or track.last_ms + interval_ms),
            largest_face_ratio=round(track.best_box[3] / track.best.grey.shape[0], 4),
            crop_jpeg=_crop_jpeg(track.best, track.best_box),
        )
        for number, track in enumerate(kept)
    ]


def _crop_jpeg(sample: _Sample, box: Box) -> bytes:
    """A JPEG of the face in full resolution, upright, with a margin around it."""
    picture = _upright(sample.frame.to_ndarray(format="bgr24"), sample.rotation)
    scale = picture.shape[0] / sample.grey.shape[0]
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
                "No face was found in the video. Lip-sync needs a clearly visible face turned "
                "towards the camera; providers may still charge for a job that fails for this "
                "reason.",
                Severity.WARNING,
                "faces.none",
            )
        ]
    if largest < min_face_ratio:
        return [
            Finding(
                f"The largest face is only {largest:.0%} of the picture's height; faces smaller "
                f"than {min_face_ratio:.0%} often fail. Use a closer shot.",
                Severity.WARNING,
                "faces.too_small",
            )
        ]
    return []

"""Decoding the frames the face preflight looks at, doing as little decoding as possible.

Two kinds of decoding serve :mod:`lipsync_core.media.faces`:

- :func:`key_frames`: only the key frames (``skip_frame=NONKEY``: FFmpeg reads the other packets
  and drops them undecoded), at most one per sampling interval. A key frame needs no other frame,
  so on a phone's recording (a key frame every second) this is a thirtieth of the decoding;
- :func:`samples_of`: every sampling interval's first frame inside time ranges, each range
  decoded from the key frame it starts at. Frames that no other frame refers to are skipped
  (``skip_frame=NONREF``, lossless for the frames kept) when at most every fourth frame is
  sampled, and so is the deblocking filter (the picture is shrunk three times anyway).

Pictures are the decoded luma plane itself (no colour conversion), shrunk with
``cv2.INTER_AREA`` so the shorter side is ``DETECT_SIDE`` and turned upright when the file says it
is stored sideways (phones). :func:`in_background` runs a decoding generator in its own thread so
the face search overlaps it (PyAV and OpenCV both release the GIL). Files are opened with
:func:`open_capped`, whose decoders refuse pictures over
:data:`~lipsync_core.media.caps.DECODE_CAPS` (also when opening decodes a frame to learn the
format).
"""

from __future__ import annotations

import itertools
import math
import os
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import av
import cv2
import numpy as np

from lipsync_core.media.caps import DECODER_OPTIONS

DETECT_SIDE = 360
# Pixel formats whose first plane is 8-bit luma: the grey picture without any conversion.
LUMA_FIRST_FORMATS = frozenset(
    ["yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"]
)

Box = tuple[int, int, int, int]
T = TypeVar("T")


@dataclass
class Sample:
    """One frame looked at: its time, its upright grey picture, and the decoded frame itself
    while it may still be needed for a face crop (``None`` when it can be decoded again)."""

    index: int
    ms: int
    pts: int
    height: int  # of the grey picture
    rotation: int
    grey: np.ndarray | None
    frame: av.VideoFrame | None = None
    found: list[Box] | None = None  # the faces of a whole-picture search already made


@dataclass(frozen=True)
class TimeRange:
    """Frames with ``start_pts <= pts < end_pts`` (``None``: from the start, to the end)."""

    start_pts: int | None
    end_pts: int | None


def open_capped(path: str | Path) -> av.container.InputContainer:
    """``path`` opened for decoding, its decoders refusing pictures over the caps."""
    return av.open(str(path), options=DECODER_OPTIONS)


def frames_per_second(stream: av.video.stream.VideoStream) -> float:
    return float(stream.average_rate or stream.guessed_rate or 25)


def key_frame_pts(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> list[int]:
    """The presentation times of the stream's key frames, from the packets alone (no decoding),
    sorted."""
    times = sorted(p.pts for p in container.demux(stream) if p.is_keyframe and p.pts is not None)
    container.seek(0, stream=stream)
    return times


def split(
    pieces: list[Sample | TimeRange], key_pts: list[int], parts: int, end_pts: int
) -> list[list[Sample | TimeRange]]:
    """``pieces`` cut at key frames into at most ``parts`` consecutive runs with about the same
    stretch of video to decode each (a run can be decoded and searched on its own)."""
    units = [unit for piece in pieces for unit in _cut_at_key_frames(piece, key_pts)]
    start = key_pts[0] if key_pts else 0
    weights = [
        0 if isinstance(u, Sample) else (u.end_pts or end_pts) - (u.start_pts or start)
        for u in units
    ]
    total = sum(weights) or 1
    runs: list[list[Sample | TimeRange]] = [[] for _ in range(parts)]
    before = 0
    for unit, weight in zip(units, weights, strict=True):
        run = runs[min(parts - 1, int((before + weight / 2) * parts / total))]
        before += weight
        append_piece(run, unit)
    return [run for run in runs if run]


def append_piece(pieces: list[Sample | TimeRange], piece: Sample | TimeRange) -> None:
    """Add ``piece`` to ``pieces``; a range that starts where the last one ends extends it (one
    decoding, no seek)."""
    last = pieces[-1] if pieces else None
    if (
        isinstance(piece, TimeRange)
        and isinstance(last, TimeRange)
        and last.end_pts == piece.start_pts
    ):
        pieces[-1] = TimeRange(last.start_pts, piece.end_pts)
    else:
        pieces.append(piece)


def _cut_at_key_frames(piece: Sample | TimeRange, key_pts: list[int]) -> list[Sample | TimeRange]:
    if isinstance(piece, Sample):
        return [piece]
    inside = [
        k
        for k in key_pts
        if (piece.start_pts is None or k > piece.start_pts)
        and (piece.end_pts is None or k < piece.end_pts)
        and k != key_pts[0]
    ]
    bounds = [piece.start_pts, *inside, piece.end_pts]
    return [TimeRange(a, b) for a, b in itertools.pairwise(bounds)]


def key_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    interval: float,
) -> Iterator[Sample]:
    """The first key frame of every sampling interval that has one, without its decoded frame."""
    _configure_decoder(container, stream, "NONKEY")
    for index, sample in enumerate(_slotted(container.decode(stream), stream, interval)):
        sample.index, sample.frame = index, None
        yield sample


def samples_of(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    interval: float,
    pieces: Iterable[Sample | TimeRange],
    *,
    first_index: int = 0,
    threads: int | None = None,
    keep_frames: bool = True,
) -> Iterator[Sample]:
    """``pieces`` in time order: samples as they are, time ranges decoded into one sample per
    sampling interval; every sample numbered in that order from ``first_index``.

    ``threads``: the decoder's threads (``None``: see ``_configure_decoder``); ``keep_frames``:
    whether samples keep their decoded frame (for face crops without decoding again).
    """
    every_fourth = frames_per_second(stream) * interval >= 4
    _configure_decoder(container, stream, "NONREF" if every_fourth else "DEFAULT", threads)
    index = first_index
    for piece in pieces:
        if isinstance(piece, Sample):
            found = [piece]
        else:
            if piece.start_pts is not None:
                container.seek(piece.start_pts, stream=stream)
            found = _slotted(_frames_of(container, stream, piece), stream, interval)
        for sample in found:
            sample.index, index = index, index + 1
            if not keep_frames and not isinstance(piece, Sample):
                sample.frame = None
            yield sample


def _frames_of(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    time_range: TimeRange,
) -> Iterator[av.VideoFrame]:
    start, end = time_range.start_pts, time_range.end_pts
    for frame in container.decode(stream):
        if start is not None and (frame.pts is None or frame.pts < start):
            continue
        if end is not None and frame.pts is not None and frame.pts >= end:
            return
        yield frame


def _slotted(
    frames: Iterable[av.VideoFrame], stream: av.video.stream.VideoStream, interval: float
) -> Iterator[Sample]:
    """One sample per sampling interval: the first frame whose time falls in it."""
    fps = frames_per_second(stream)
    start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
    base = float(stream.time_base or 0)
    next_slot = 0
    for decoded, frame in enumerate(frames):
        at = frame.pts * base - start if frame.pts is not None else decoded / fps
        slot = math.floor((at + 0.5 / fps) / interval)
        if slot < next_slot:
            continue
        next_slot = slot + 1
        rotation = rotation_of(frame)
        grey = upright(grey_of(frame), rotation)
        yield Sample(0, round(at * 1000), frame.pts or 0, grey.shape[0], rotation, grey, frame)


def picture_at(path: str | Path, pts: int) -> np.ndarray:
    """The upright BGR picture of the frame at ``pts``, decoded again from the key frame before
    it (for face crops of samples whose decoded frame was not kept)."""
    with open_capped(path) as container:
        stream = container.streams.video[0]
        container.seek(pts, stream=stream)
        for frame in container.decode(stream):
            if frame.pts is not None and frame.pts >= pts:
                return upright(frame.to_ndarray(format="bgr24"), rotation_of(frame))
    raise ValueError(f"no frame at {pts}")


def _configure_decoder(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    skip_frame: str,
    threads: int | None = None,
) -> None:
    """Skip what the samples do not need, and pick the decoder's threading: ``threads`` if
    given; else slice threads when frames have several slices (many encoders cut frames so;
    they split each frame's work evenly, where FFmpeg's default frame threads sit idle around
    the frames skipped), else FFmpeg's choice."""
    context = stream.codec_context
    context.skip_frame = skip_frame
    if context.is_open:  # a second pass over the same stream: options and threads are set
        return
    context.options = {"skip_loop_filter": "all"}
    if threads is not None:
        context.thread_count = threads
    elif _first_frame_slices(container, stream) > 1:
        stream.thread_type = "SLICE"
        context.thread_count = os.cpu_count() or 1
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


def grey_of(frame: av.VideoFrame) -> np.ndarray:
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


def rotation_of(frame: av.VideoFrame) -> int:
    """Degrees counter-clockwise that turn the stored picture upright (0, 90, 180 or 270)."""
    return round((frame.rotation or 0) / 90) % 4 * 90


def upright(picture: np.ndarray, rotation: int) -> np.ndarray:
    """``picture`` turned ``rotation`` degrees counter-clockwise (phones store portrait videos
    sideways and say so in the file's display matrix)."""
    turns = {
        90: cv2.ROTATE_90_COUNTERCLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_CLOCKWISE,
    }
    return cv2.rotate(picture, turns[rotation]) if rotation in turns else picture


@dataclass
class _End:
    """The producer's last message: why it stopped, if it failed."""

    error: BaseException | None = None


def in_background(items: Iterator[T], depth: int) -> Iterator[T]:
    """``items``, produced in their own thread at most ``depth`` ahead of the caller.

    An exception in the producer is raised here; when the caller stops early, the producer is
    stopped and waited for, so nothing it uses (a container) is closed under it.
    """
    handoff: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                handoff.put(item)
        except BaseException as exc:  # handed to the consuming thread, which raises it
            handoff.put(_End(exc))
            return
        handoff.put(_End())

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    try:
        while not isinstance(item := handoff.get(), _End):
            yield item
        if item.error is not None:
            raise item.error
    finally:
        stop.set()
        while producer.is_alive():
            try:
                handoff.get(timeout=0.1)
            except queue.Empty:
                continue

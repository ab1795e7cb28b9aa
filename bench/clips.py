"""The 60 s 1080p clips the benchmarks measure, made once and cached in ``bench/out/``.

Each shows the sample's face, upscaled, playing forward and backward, with a light grain so the
bitrate (about 11–12 Mbit/s) looks like a camera's rather than a still picture's. They differ in
how they are encoded, which decides how much of them must be decoded to look at 5 frames a
second:

- ``export``: x264's defaults as an editor's export or FFmpeg leaves them (25 fps, a key frame
  every 250 frames, B-frames), each frame cut into two slices (PyAV's encoder does that);
- ``export_one_slice``: the same with one slice per frame (FFmpeg's command line, most encoders);
- ``phone``: as phones record (30 fps, a key frame every second, no B-frames, one slice).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SAMPLE_VIDEO = ROOT / "samples" / "face.mp4"
WIDTH, HEIGHT, SECONDS = 1920, 1080, 60


@dataclass(frozen=True)
class ClipKind:
    file_name: str
    fps: int
    x264_params: str | None  # None: x264's defaults
    slices_per_frame: int
    description: str


CLIPS = {
    "export": ClipKind(
        "astronaut_60s_1080p.mp4", 25, None, 2, "x264 defaults: key frame every 10 s, B-frames"
    ),
    "export_one_slice": ClipKind(
        "astronaut_60s_1080p_one_slice.mp4",
        25,
        None,
        1,
        "x264 defaults, one slice per frame",
    ),
    "phone": ClipKind(
        "phone_60s_1080p.mp4",
        30,
        "keyint=30:min-keyint=30:bframes=0:scenecut=0",
        1,
        "phone-style: key frame every 1 s, no B-frames",
    ),
}


def ensure_clip(kind: str = "export") -> Path:
    """The clip of ``kind`` (see the module docstring), made on first use (about a minute)."""
    spec = CLIPS[kind]
    path = OUT / spec.file_name
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as out:
        video = out.add_stream("libx264", rate=spec.fps)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        options = {"preset": "veryfast", "crf": "21"}
        if spec.x264_params:
            options["x264-params"] = spec.x264_params
        video.options = options
        if spec.slices_per_frame > 1:
            video.thread_type = "SLICE"
            video.codec_context.thread_count = spec.slices_per_frame
        else:
            video.thread_type = "FRAME"
        audio = out.add_stream("aac", rate=44_100, layout="mono")
        for rgb in _frames(spec.fps):
            out.mux(video.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(video.encode(None))
        _mux_sound(out, audio)
    partial.rename(path)
    return path


def _frames(fps: int) -> Iterator[np.ndarray]:
    with av.open(str(SAMPLE_VIDEO)) as container:
        pictures = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    bounce = pictures + pictures[-2:0:-1]
    rng = np.random.default_rng(0)
    grain = [rng.integers(-6, 7, (HEIGHT, WIDTH, 1), dtype=np.int16) for _ in range(7)]
    for index in range(fps * SECONDS):
        big = cv2.resize(bounce[index % len(bounce)], (WIDTH, HEIGHT), cv2.INTER_LINEAR)
        yield np.clip(big + grain[index % len(grain)], 0, 255).astype(np.uint8)


def _mux_sound(out: av.container.OutputContainer, stream: av.audio.stream.AudioStream) -> None:
    t = np.arange(SECONDS * 44_100) / 44_100
    tone = (np.sin(2 * np.pi * 180 * t) * np.sin(np.pi * t) ** 2 * 6000).astype(np.int16)
    frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = 44_100, 0, Fraction(1, 44_100)
    out.mux(stream.encode(frame))
    out.mux(stream.encode(None))

"""Talking clips of known lip-sync offset: the validation set of the lip-sync measure.

A clip is the sample video (``samples/face.mp4``: a slow zoom over a still photograph, see
``scripts/make_samples.py``) whose mouth is made to open and close with a voice: in every frame
the lower lip, chin and jaw are pulled down by the voice's loudness at that frame's time minus
the offset, and the gap between the lips is painted as a dark mouth. A positive offset makes the
mouth move after the sound is heard (audio ahead of the lips). The mouth's place in each frame
comes from where the photograph's mouth is and from the zoom, not from any face detector; the
measure is given only the finished file.

The loudness that drives the mouth is made here in its own way (20 ms windows, a 100 ms
smoothing, a compressive power) and never handed to the measure. Still twins have the same
picture and sound with the mouth left alone. Variants add camera shake and grain, a smaller
mouth movement, or the other voice (the sample video's own sound).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FACE_VIDEO = SAMPLES / "face.mp4"
SPEECH = SAMPLES / "speech.wav"
FPS = 25
RATE = 16_000
SOURCE_WIDTH = 1280
# From scripts/make_samples.py: the zoom's windows (x, y, width) over the 512 px photograph at
# its first and last frame; and, read off the photograph, the mouth's middle (between the upper
# teeth and the lower lip) and width.
FIRST_WINDOW = (0.0, 0.0, 512.0)
LAST_WINDOW = (33.0, 5.0, 384.0)
MOUTH_AT = (222.0, 146.0)
MOUTH_WIDTH = 30.0
# How far the lower lip drops at the loudest, in mouth widths.
FULL_OPENING = 0.35
INSIDE_BGR = (35, 25, 60)


@dataclass(frozen=True)
class TalkingClip:
    """One clip of the set: ``offset_ms`` ``None`` is a still mouth."""

    variant: str
    offset_ms: float | None
    amplitude: float = 1.0
    shake_px: float = 0.0
    grain: float = 0.0
    voice: str = "speech"  # "speech": samples/speech.wav; "video": face.mp4's own sound

    @property
    def name(self) -> str:
        return f"{self.variant} {'still' if self.offset_ms is None else f'{self.offset_ms:+g} ms'}"

    def still_twin(self) -> TalkingClip:
        """The same clip with the mouth left alone."""
        return replace(self, offset_ms=None)


VARIANTS = {
    "zoom": {},
    "small": {"amplitude": 0.35},
    "shaky": {"shake_px": 2.0, "grain": 4.0},
    "voice2": {"voice": "video"},
}
OFFSETS_MS = {
    "zoom": (-400, -200, -60, 0, 40, 100, 300),
    "small": (-120, 0, 200),
    "shaky": (-300, 60),
    "voice2": (-40, 160),
}
MOVING = [
    TalkingClip(variant, offset, **VARIANTS[variant])
    for variant, offsets in OFFSETS_MS.items()
    for offset in offsets
]
STILL = [TalkingClip(variant, None, **VARIANTS[variant]) for variant in VARIANTS]
# A clip made of each voice back to back, for the speed benchmark (10 s at 720p).
BENCH_CLIP = TalkingClip("bench", 80.0)


def make_clip(
    clip: TalkingClip,
    path: Path,
    *,
    size: tuple[int, int] = (640, 360),
    seconds: float = 5.0,
    with_sound: bool = True,
) -> Path:
    """Write ``clip`` as H.264 + AAC (25 fps) at ``size`` (without the AAC if not
    ``with_sound``); longer than the 5 s sample video, the picture plays back and forth and the
    voice repeats with the other one after it."""
    count = round(seconds * FPS)
    voice = _voice(clip.voice, count / FPS)
    moving = clip.offset_ms is not None
    opening = _opening(voice, np.arange(count) / FPS - (clip.offset_ms or 0) / 1000)
    opening = opening * clip.amplitude if moving else np.zeros(count)
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        video.options = {"crf": "20", "preset": "ultrafast"}
        sound = out.add_stream("aac", rate=RATE, layout="mono") if with_sound else None
        for picture, amount in zip(_pictures(size, count), opening, strict=True):
            picture = _open_mouth(picture, amount)
            picture = _shaken(picture, clip.shake_px, rng) if clip.shake_px else picture
            if clip.grain:
                picture = _grainy(picture, clip.grain, rng)
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            _write_sound(out, sound, voice)
    return path


@dataclass(frozen=True)
class _Picture:
    bgr: np.ndarray
    mouth_x: float
    mouth_y: float
    mouth_width: float


def _pictures(size: tuple[int, int], count: int) -> Iterator[_Picture]:
    """The sample video's frames at ``size`` with the mouth's place, back and forth."""
    frames = _sample_frames(size)
    scale = size[0] / SOURCE_WIDTH
    for index in range(count):
        cycle = index % (2 * len(frames) - 2)
        number = cycle if cycle < len(frames) else 2 * len(frames) - 2 - cycle
        x, y, width = _window(number, len(frames))
        zoom = SOURCE_WIDTH / width * scale
        yield _Picture(
            frames[number].copy(),
            (MOUTH_AT[0] - x) * zoom,
            (MOUTH_AT[1] - y) * zoom,
            MOUTH_WIDTH * zoom,
        )


@cache
def _sample_frames(size: tuple[int, int]) -> tuple[np.ndarray, ...]:
    with av.open(str(FACE_VIDEO)) as container:
        return tuple(
            frame.to_ndarray(format="bgr24", width=size[0], height=size[1])
            for frame in container.decode(video=0)
        )


def _window(number: int, count: int) -> tuple[float, float, float]:
    """The zoom's window over the photograph at frame ``number`` (as make_samples.py eases it)."""
    progress = 0.5 - 0.5 * math.cos(math.pi * number / (count - 1))
    first, last = FIRST_WINDOW, LAST_WINDOW
    return tuple(a + (b - a) * progress for a, b in zip(first, last, strict=True))  # type: ignore[return-value]


def _open_mouth(picture: _Picture, amount: float) -> np.ndarray:
    """Pull the lower lip and jaw down by ``amount`` × ``FULL_OPENING`` mouth widths, and paint
    the gap between the lips dark."""
    image, x, y, width = picture.bgr, picture.mouth_x, picture.mouth_y, picture.mouth_width
    drop = FULL_OPENING * width * amount
    if drop < 0.05:
        return image
    left, right = max(0, int(x - 1.2 * width)), min(image.shape[1], int(x + 1.2 * width))
    top, bottom = max(0, int(y - 0.5 * width)), min(image.shape[0], int(y + 2.2 * width))
    xs, ys = np.meshgrid(
        np.arange(left, right, dtype=np.float32), np.arange(top, bottom, dtype=np.float32)
    )
    across = (xs - x) / (1.1 * width)
    sideways = np.where(np.abs(across) < 1, 0.5 + 0.5 * np.cos(np.pi * across), 0)
    below = (ys - y) / width
    downward = np.clip(below / 0.15 + 0.5, 0, 1) * np.clip(2.0 - below, 0, 1)
    shift = (drop * sideways * downward).astype(np.float32)
    region = cv2.remap(image, xs, ys - shift, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if drop > 0.5:
        inside = np.zeros(region.shape[:2], np.float32)
        centre = (round(x - left), round(y - top + drop / 2))
        axes = (round(0.42 * width), max(1, round(drop / 2)))
        cv2.ellipse(inside, centre, axes, 0, 0, 360, 1, -1)
        inside = cv2.GaussianBlur(inside, (0, 0), max(1.0, width * 0.04))[..., None]
        region = region * (1 - inside) + np.array(INSIDE_BGR, np.float32) * inside
    image[top:bottom, left:right] = region.astype(np.uint8)
    return image


def _shaken(picture: np.ndarray, pixels: float, rng: np.random.Generator) -> np.ndarray:
    dx, dy = rng.normal(0, pixels, 2)
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    height, width = picture.shape[:2]
    return cv2.warpAffine(picture, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


def _grainy(picture: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """``picture`` with grey film grain of standard deviation ``level``."""
    grain = rng.normal(0, level, picture.shape[:2]).astype(np.int16)
    merged = picture.astype(np.int16) + grain[..., None]
    return np.clip(merged, 0, 255).astype(np.uint8)


def _voice(kind: str, seconds: float) -> np.ndarray:
    """``seconds`` of the chosen voice (then the other one, repeating) at 16 kHz."""
    first, second = (SPEECH, FACE_VIDEO) if kind == "speech" else (FACE_VIDEO, SPEECH)
    voices = [_decoded(first), _decoded(second)]
    length = round(seconds * RATE)
    pieces, total = [], 0
    while total < length:
        pieces.append(voices[len(pieces) % 2])
        total += len(pieces[-1])
    return np.concatenate(pieces)[:length]


@cache
def _decoded(path: Path) -> np.ndarray:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(chunks)


def _opening(voice: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How open the mouth is (0–1) at ``times``: the voice's loudness in 20 ms windows,
    smoothed over 100 ms, over its 95th percentile, to the power 0.8 (zero outside the voice)."""
    hop = RATE // 50
    count = len(voice) // hop
    loud = np.sqrt((voice[: count * hop].reshape(count, hop) ** 2).mean(axis=1))
    kernel = np.hanning(7)[1:-1]
    loud = np.convolve(loud, kernel / kernel.sum(), mode="same")
    loud = np.clip(loud / max(float(np.percentile(loud, 95)), 1e-6), 0, 1) ** 0.8
    centres = (np.arange(count) + 0.5) * hop / RATE
    return np.interp(times, centres, loud, left=0.0, right=0.0)


def _write_sound(
    out: av.container.OutputContainer, stream: av.audio.stream.AudioStream, voice: np.ndarray
) -> None:
    samples = (np.clip(voice, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = RATE, 0, Fraction(1, RATE)
    out.mux(stream.encode(frame))
    out.mux(stream.encode(None))

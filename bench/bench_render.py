"""How fast the sandbox renders: each sync_mode and Kling's mix on a 10 s 720p job.

Run with ``python -m bench.bench_render``. The inputs are generated once and kept in
``bench/out/``. Goal: a 10 s 720p job renders in at most half real time (ratio <= 0.5) on two
cores. "cpu s" counts every thread: when other work shares the machine, wall-clock time grows
but it does not. The source is synthetic but not trivial for the encoder: panning texture,
moving shapes and a little per-frame noise, with a sound track of its own for Kling to mix with.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from lipsync_core.sandbox.render import (
    SYNC_MODES,
    RenderResult,
    fit_to_audio,
    kling_mix,
    thumbnail,
)

OUT = Path(__file__).resolve().parent / "out"
WIDTH, HEIGHT, FPS, SECONDS = 1280, 720, 30, 10
RATE = 48_000
GOAL = 0.5


def source_video(path: Path) -> Path:
    """A 10 s 1280x720 30 fps H.264 + AAC clip, written once."""
    if path.exists():
        return path
    rng = np.random.default_rng(7)
    texture = rng.integers(0, 90, (HEIGHT, WIDTH + 2 * FPS * SECONDS), dtype=np.uint8)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH]
    part = path.with_name(path.name + ".part")
    with av.open(str(part), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "medium"})
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        sound = out.add_stream("aac", rate=RATE, layout="stereo")
        for index in range(FPS * SECONDS):
            image = _picture(index, texture, xs, ys, rng)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        wave = _sine(SECONDS, 220, 0.3)
        frame = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = RATE, 0
        out.mux(sound.encode(frame))
        out.mux(sound.encode(None))
    os.replace(part, path)
    return path


def _picture(
    index: int, texture: np.ndarray, xs: np.ndarray, ys: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    image[..., 0] = (xs // 3 + index * 2) % 256
    image[..., 1] = (ys // 2 + 60) % 256
    image[..., 2] = texture[:, index * 2 : index * 2 + WIDTH]
    noise = rng.integers(0, 6, (HEIGHT, WIDTH, 1), dtype=np.uint8)
    image += noise
    cx = int(WIDTH / 2 + 400 * np.sin(index / 20))
    cy = int(HEIGHT / 2 + 150 * np.cos(index / 13))
    inside = (xs - cx) ** 2 + (ys - cy) ** 2 < 120**2
    image[inside] = (230, 200, 170)
    return image


def _sine(seconds: float, hz: float, amplitude: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def source_audio(path: Path, seconds: float) -> Path:
    """A wav of a 440 Hz tone, written once."""
    if path.exists():
        return path
    pcm = (_sine(seconds, 440, 0.5) * 32767).astype(np.int16).reshape(1, -1)
    part = path.with_name(path.name + ".part")
    with av.open(str(part), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate, frame.pts = RATE, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    os.replace(part, path)
    return path


def timed(render: Callable[[], RenderResult | None]) -> tuple[float, float, RenderResult | None]:
    """Wall-clock and CPU seconds (all threads) of one render."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = render()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    video = source_video(OUT / "source_720p_10s.mp4")
    audio = source_audio(OUT / "audio_10s.wav", SECONDS)
    long_audio = source_audio(OUT / "audio_25s.wav", 25)
    cases: list[tuple[str, Callable[[], RenderResult | None]]] = [
        (mode, lambda mode=mode: fit_to_audio(video, audio, OUT / f"{mode}.mp4", sync_mode=mode))
        for mode in SYNC_MODES
    ]
    cases.append(
        (
            "kling_mix",
            lambda: kling_mix(
                video,
                audio,
                OUT / "kling.mp4",
                sound_start_ms=1000,
                sound_end_ms=8000,
                sound_insert_ms=2000,
                sound_volume=1.0,
                original_audio_volume=0.5,
            ),
        )
    )
    cases += [
        (
            f"{mode} (25 s audio)",
            lambda mode=mode: fit_to_audio(
                video, long_audio, OUT / f"{mode}_25s.mp4", sync_mode=mode
            ),
        )
        for mode in ("loop", "bounce")
    ]
    print(f"render benchmark: {WIDTH}x{HEIGHT} {FPS} fps, {SECONDS} s source, {os.cpu_count()} cpu")
    print(f"{'case':<22}{'output s':>10}{'render s':>10}{'cpu s':>8}{'x real time':>13}")
    for name, render in cases:
        seconds, cpu, result = timed(render)
        assert result is not None
        ratio = seconds / result.duration
        verdict = "ok" if ratio <= GOAL else f"over the {GOAL} goal"
        figures = f"{result.duration:>10.2f}{seconds:>10.2f}{cpu:>8.2f}{ratio:>13.2f}"
        print(f"{name:<22}{figures}  {verdict}")
    seconds, cpu, _ = timed(lambda: thumbnail(video, OUT / "thumbnail.jpg"))
    print(f"{'thumbnail':<22}{'':>10}{seconds:>10.2f}{cpu:>8.2f}")


if __name__ == "__main__":
    main()

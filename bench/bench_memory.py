"""Peak memory of the face check and the sandbox renderer on worst-case inputs (goal: +300 MB).

Run: ``python -m bench memory``. Each (input, operation) runs in a subprocess of its own, which
imports everything first, resets the kernel's peak-RSS mark (``/proc/self/clear_refs``), runs
the operation once and prints how far the peak rose above the resident size it started from, so
no figure carries another one's leftovers. Inputs are made once into ``bench/out/memory/``:

- ``huge``: 10000×10000 H.264, 3 frames, 0.3 MB (the file of issue 14: it took the dashboard to
  2.5 GB and the sandbox to 5.4 GB); refused before any frame is decoded;
- ``uhd``: 3840×2160 (4K, under the picture cap), 10 s, the sample's face upscaled, a key frame
  every second, with sound;
- ``phone``: the 60 s 1080p phone-style clip of ``bench/clips.py``;
- ``long_sound``: 3 hours of silence as a 2 MB FLAC; refused before it is decoded;
- ``sound_at_cap``: 590 s of tone (just under the 10 min cap), rendered over ``tiny``;
- ``many_frames``: 64×64 at 240 fps for 590 s (141,600 frames in a small file).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from bench.clips import ensure_clip

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "memory"
SAMPLE_VIDEO = ROOT / "samples" / "face.mp4"
GOAL_MB = 300
RATE = 48_000

# (input, operation): what each case runs. Inputs a render needs two of are "video+audio".
CASES = [
    ("huge", "faces"),
    ("huge+tone", "render_loop"),
    ("uhd", "faces"),
    ("uhd+tone12", "render_loop"),
    ("uhd+tone12", "render_bounce"),
    ("uhd+tone12", "kling_mix"),
    ("uhd", "thumbnail"),
    ("phone", "faces"),
    ("phone+tone12", "render_bounce"),
    ("tiny+long_sound", "render_loop"),
    ("tiny+sound_at_cap", "render_loop"),
    ("many_frames", "faces"),
    ("many_frames+tone12", "render_remap"),
]


def _silent_encode(path: Path, width: int, height: int, frames: int, fps: int) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for index in range(frames):
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def _uhd(path: Path) -> None:
    """The sample's face upscaled to 3840×2160, 10 s at 25 fps, key frame every second."""
    with av.open(str(SAMPLE_VIDEO)) as source:
        pictures = [f.to_ndarray(format="bgr24") for f in source.decode(video=0)][:50]
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 3840, 2160, "yuv420p"
        video.options = {"preset": "ultrafast", "x264-params": "keyint=25:min-keyint=25"}
        audio = out.add_stream("aac", rate=RATE, layout="mono")
        for index in range(250):
            picture = pictures[index % len(pictures)]
            big = cv2.resize(picture, (3840, 2160), interpolation=cv2.INTER_LINEAR)
            frame = av.VideoFrame.from_ndarray(big, format="bgr24")
            frame.pts = index
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        _mux_tone(out, audio, 10.0)


def _mux_tone(out: av.container.OutputContainer, stream: av.AudioStream, seconds: float) -> None:
    step = RATE
    for start in range(0, round(seconds * RATE), step):
        count = min(step, round(seconds * RATE) - start)
        t = (start + np.arange(count)) / RATE
        samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def _tone(path: Path, seconds: float) -> None:
    with av.open(str(path), "w") as out:
        _mux_tone(out, out.add_stream("aac", rate=RATE, layout="mono"), seconds)


def _long_silence(path: Path) -> None:
    """3 hours of silence at 8 kHz as FLAC: about 2 MB."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=8000, layout="mono")
        silence = np.zeros((1, 4096), np.int16)
        for index in range(3 * 3600 * 8000 // 4096):
            frame = av.AudioFrame.from_ndarray(silence, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 8000, index * 4096
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


MAKERS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "huge": ("huge_10000x10000.mp4", lambda p: _silent_encode(p, 10_000, 10_000, 3, 25)),
    "uhd": ("uhd_10s.mp4", _uhd),
    "tiny": ("tiny_64x64.mp4", lambda p: _silent_encode(p, 64, 64, 50, 25)),
    "many_frames": ("many_frames_64x64.mp4", lambda p: _silent_encode(p, 64, 64, 141_600, 240)),
    "long_sound": ("silence_3h.flac", _long_silence),
    "sound_at_cap": ("tone_590s.m4a", lambda p: _tone(p, 590.0)),
    "tone12": ("tone_12s.m4a", lambda p: _tone(p, 12.0)),
    "tone": ("tone_3s.m4a", lambda p: _tone(p, 3.0)),
}


def ensure_input(name: str) -> Path:
    if name == "phone":
        return ensure_clip("phone")
    file_name, make = MAKERS[name]
    path = OUT / file_name
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        part = path.with_name("part-" + path.name)
        make(part)
        part.replace(path)
    return path


def _status(key: str) -> int:
    """A ``/proc/self/status`` figure in KiB (``VmRSS``, ``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def run_one(operation: str, paths: list[str]) -> None:
    """In the subprocess: run ``operation`` once and print ``<growth MiB> <outcome>``."""
    from lipsync_core.errors import MediaValidationError
    from lipsync_core.media.faces import preflight_faces
    from lipsync_core.sandbox import render

    work = Path(paths[0]).parent / "work"
    work.mkdir(exist_ok=True)
    out = work / f"{operation}.mp4"
    actions: dict[str, Callable[[], object]] = {
        "faces": lambda: preflight_faces(paths[0]),
        "thumbnail": lambda: render.thumbnail(Path(paths[0]), work / "thumb.jpg"),
        "kling_mix": lambda: render.kling_mix(
            Path(paths[0]),
            Path(paths[1]),
            out,
            sound_start_ms=0,
            sound_end_ms=8000,
            sound_insert_ms=1000,
        ),
    }
    for mode in ("loop", "bounce", "remap"):
        actions[f"render_{mode}"] = lambda mode=mode: render.fit_to_audio(
            Path(paths[0]), Path(paths[1]), out, sync_mode=mode
        )
    Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    try:
        actions[operation]()
        outcome = "done"
    except MediaValidationError as exc:
        outcome = f"refused: {exc}"
    print(f"{(_status('VmHWM') - before) / 1024:.0f} {outcome}")


def main() -> None:
    print(f"peak RSS growth per input, each in a fresh process (goal: <= {GOAL_MB} MB)")
    worst = 0.0
    for inputs, operation in CASES:
        paths = [str(ensure_input(name)) for name in inputs.split("+")]
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "bench.bench_memory", operation, *paths],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        took = time.perf_counter() - started
        growth, _, outcome = result.stdout.strip().splitlines()[-1].partition(" ")
        worst = max(worst, float(growth))
        size = sum(Path(p).stat().st_size for p in paths) / 1e6
        print(
            f"  {inputs:<20} {operation:<14} {size:7.1f} MB in  +{float(growth):5.0f} MB peak  "
            f"{took:6.1f} s  {outcome[:90]}",
            flush=True,
        )
    verdict = "within" if worst <= GOAL_MB else "OVER"
    print(f"worst: +{worst:.0f} MB ({verdict} the {GOAL_MB} MB goal)")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        run_one(sys.argv[1], sys.argv[2:])
    else:
        main()

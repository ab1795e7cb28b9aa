"""Small files built to exhaust memory, made with PyAV: huge pictures, long sound, many frames,
and a stream whose picture grows after its header; plus a peak-RSS probe run in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]


def flat_video(
    path: Path, width: int, height: int, frames: int, fps: int = 25, fmt: str | None = None
) -> Path:
    """``frames`` flat grey frames of ``width``×``height``: a tiny file whatever the size."""
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([128]) * plane.buffer_size)
        for index in range(frames):
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def growing_video(path: Path, small: int, large: int) -> Path:
    """Raw H.264 whose first second is ``small`` px square and the rest ``large``: its header
    (the first parameter set) states the small size."""
    first = flat_video(path.with_suffix(".a.h264"), small, small, 25, fmt="h264")
    second = flat_video(path.with_suffix(".b.h264"), large, large, 2, fmt="h264")
    path.write_bytes(first.read_bytes() + second.read_bytes())
    return path


def silence_flac(path: Path, seconds: float, rate: int = 8000) -> Path:
    """``seconds`` of silence as FLAC: hours fit in a few MB."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=rate, layout="mono")
        block = np.zeros((1, 4096), np.int16)
        for index in range(int(seconds * rate) // 4096):
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, index * 4096
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


PEAK_SCRIPT = """
import json, sys
from pathlib import Path
from lipsync_core.errors import MediaValidationError
from lipsync_core.media.faces import preflight_faces
from lipsync_core.sandbox.render import fit_to_audio

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])

operation, paths = sys.argv[1], sys.argv[2:]
Path("/proc/self/clear_refs").write_text("5")
before = status("VmRSS")
try:
    if operation == "faces":
        preflight_faces(paths[0])
    else:
        fit_to_audio(Path(paths[0]), Path(paths[1]), Path(paths[2]), sync_mode="loop")
    outcome = "done"
except MediaValidationError as exc:
    outcome = str(exc)
print(json.dumps({"growth_mb": (status("VmHWM") - before) / 1024, "outcome": outcome}))
"""


def peak_growth(operation: str, *paths: Path) -> tuple[float, str]:
    """Peak RSS growth (MB) of ``faces`` or ``render`` on ``paths`` in a fresh process, and its
    outcome ("done" or the refusal's text)."""
    result = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, operation, *map(str, paths)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return answer["growth_mb"], answer["outcome"]

"""Face preflight speed on a 60 s 1080p clip of the astronaut, against decoding alone.

Run: ``.venv/bin/python -m bench.bench_faces``. Uses the clip cached by ``bench.bench_probe``
(made on first use). Wall time depends on what else the machine runs, so CPU time is printed
too: on 2 free cores the wall time approaches half of it.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import av

from bench.bench_probe import ROOT, ensure_bench_clip
from lipsync_core.faces import _configure_decoder, preflight_faces

RUNS = 3


def timed(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (all threads) of ``runs`` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def decode_only(path: str) -> int:
    """Decode with the preflight's own decoder settings and nothing else; the floor of its time."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        _configure_decoder(container, stream, samples_per_second=5.0)
        return sum(1 for _ in container.decode(stream))


def main() -> None:
    clip = ensure_bench_clip()
    result = preflight_faces(clip)
    tracks = ", ".join(f"{t.face_id}: {t.start_ms}–{t.end_ms} ms" for t in result.tracks)
    print(f"file: {clip.relative_to(ROOT)} ({clip.stat().st_size / 1e6:.1f} MB, 60 s, 1080p)")
    print(
        f"cores: {os.cpu_count()}; result: {result.frames_sampled} frames sampled, tracks {tracks},"
    )
    print(f"       largest face {result.largest_face_ratio:.0%} of the height")
    wall, cpu = timed(lambda: preflight_faces(clip))
    print(f"preflight_faces():  {wall:6.2f} s wall, {cpu:6.2f} s CPU (median of {RUNS})")
    decoded = decode_only(str(clip))
    wall, cpu = timed(lambda: decode_only(str(clip)))
    print(f"decoding alone:     {wall:6.2f} s wall, {cpu:6.2f} s CPU ({decoded} frames decoded)")


if __name__ == "__main__":
    main()

"""Face preflight speed on 60 s 1080p clips encoded three ways, against decoding them whole.

Run: ``.venv/bin/python -m bench.bench_faces``. Uses the clips of ``bench/clips.py`` (made on
first use, about a minute each). Wall time depends on what else the machine runs, so CPU time
(all threads) is printed too: on 2 free cores the wall time approaches half of it.

"decoding alone" is what looking at 5 frames a second without key frames to go by would cost at
least: every frame that another frame refers to, single-threaded (``skip_frame=NONREF``, no
deblocking), the way each stretch is decoded.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import av

from bench.clips import CLIPS, ROOT, ensure_clip
from lipsync_core.media.faces import preflight_faces

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


def decode_reference_frames(path: str) -> int:
    """Decode every frame another one refers to, on one thread; return how many."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONREF"
        stream.codec_context.options = {"skip_loop_filter": "all"}
        stream.codec_context.thread_count = 1
        return sum(1 for _ in container.decode(stream))


def main() -> None:
    print(f"cores: {os.cpu_count()}; 60 s 1920×1080 H.264 clips of one face, 5 samples/s")
    for kind, spec in CLIPS.items():
        clip = ensure_clip(kind)
        result = preflight_faces(clip)
        tracks = ", ".join(f"{t.face_id}: {t.start_ms}–{t.end_ms} ms" for t in result.tracks)
        print(f"\n{kind}: {clip.relative_to(ROOT)} ({clip.stat().st_size / 1e6:.1f} MB)")
        print(f"  {spec.description}, {spec.fps} fps, {spec.slices_per_frame} slice(s)/frame")
        print(
            f"  result: {result.frames_sampled} frames searched, tracks {tracks}, "
            f"largest face {result.largest_face_ratio:.0%} of the height"
        )
        wall, cpu = timed(lambda clip=clip: preflight_faces(clip))
        print(
            f"  preflight_faces():        {wall:5.2f} s wall, {cpu:5.2f} s CPU (median of {RUNS})"
        )
        decoded = decode_reference_frames(str(clip))
        wall, cpu = timed(lambda clip=clip: decode_reference_frames(str(clip)), runs=1)
        print(
            f"  decoding alone, 1 thread: {wall:5.2f} s wall, {cpu:5.2f} s CPU ({decoded} frames)"
        )


if __name__ == "__main__":
    main()

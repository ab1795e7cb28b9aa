"""Lip-sync measure: speed on a 10 s 720p result, and the validation table.

Run: ``.venv/bin/python -m bench quality``. Clips are made with
``lipsync_core.quality.validation`` into ``bench/out/quality/`` (once; delete the folder to make
them again). Speed: ``measure_sync`` on a 10 s 1280×720 25 fps talking clip, each run in a fresh
process so its peak resident memory (``ru_maxrss``) is the measure's own plus the libraries';
the process's memory just before measuring (Python and the libraries loaded) is printed beside
it. Wall time depends on what else the machine runs, so CPU time (all threads) is printed too:
on free cores the wall time should not exceed it (nothing waits on a disk or a network). Each
is printed with OpenCV's default threads and with ``cv2.setNumThreads(1)`` (what a process that
only measures can set): one thread spent less CPU under a heavy load (2.9 s against 4.0 s at
a load average of about 17), about as much on a quieter machine, and took longer.

The table lists every clip of the validation set with its true offset (audio ahead of the lips:
+), the measured offset, confidence and mouth_moves, and the same clip measured by the simpler
mouth-motion method (``bench/quality_baseline.py``) that the landmark method was chosen over.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2

from bench.quality_baseline import mouth_motion_sync
from lipsync_core.quality import measure_sync
from lipsync_core.quality.validation import BENCH_CLIP, MOVING, STILL, TalkingClip, make_clip

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "quality"
RUNS = 3
ONE_FRAME_MS = 40.0


def clip_path(clip: TalkingClip, **options: object) -> Path:
    """``clip`` made once into ``OUT``."""
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = "_".join(f"{key}{value}" for key, value in options.items())
    path = OUT / f"{clip.name.replace(' ', '_')}{'_' + suffix if suffix else ''}.mp4"
    if not path.exists():
        make_clip(clip, path, **options)  # type: ignore[arg-type]
    return path


def measure_once(path: Path, cv_threads: int | None) -> dict[str, float]:
    """Measure ``path`` in this process (OpenCV's threads set to ``cv_threads`` if given): wall
    and CPU seconds, memory before and at the peak."""
    if cv_threads is not None:
        cv2.setNumThreads(cv_threads)
    before = _resident_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    report = measure_sync(path)
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "before_mb": before,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "offset_ms": report.offset_ms if report.offset_ms is not None else float("nan"),
    }


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _in_fresh_process(path: Path, cv_threads: int | None) -> dict[str, float]:
    threads = [] if cv_threads is None else [str(cv_threads)]
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_quality", "--once", str(path), *threads],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def speed() -> None:
    path = clip_path(BENCH_CLIP, size=(1280, 720), seconds=10.0)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"cores: {os.cpu_count()}, load average {load} (other work on the machine)")
    print(f"{path.relative_to(ROOT)}: 10 s, 1280×720, 25 fps, H.264")
    for cv_threads, label in ((None, "OpenCV's default threads"), (1, "cv2.setNumThreads(1)")):
        runs = [_in_fresh_process(path, cv_threads) for _ in range(RUNS)]
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peaks = ", ".join(f"{r['peak_mb']:.0f}" for r in runs)
        print(f"  measure_sync, {label}, median of {RUNS} fresh processes:")
        print(
            f"    {wall:5.2f} s wall ({wall / 10:.2f}× the clip's duration), {cpu:5.2f} s CPU; "
            f"peak memory {peaks} MB resident, of which "
            f"{statistics.median(r['before_mb'] for r in runs):.0f} MB before measuring"
        )
    print(f"  offset measured: {runs[0]['offset_ms']:+.1f} ms (true +{BENCH_CLIP.offset_ms:g})")


def validation() -> None:
    print("\nvalidation set (640×360, 5 s, 25 fps): offsets in ms, audio ahead of the lips +")
    print(
        f"  {'clip':<16} {'true':>6} {'measured':>9} {'error':>6} {'confidence':>10} "
        f"{'moves':>6} | {'baseline':>9} {'conf.':>6}"
    )
    within, errors = 0, []
    for clip in MOVING + STILL:
        path = clip_path(clip)
        report = measure_sync(path)
        base_offset, base_conf = mouth_motion_sync(path)
        true = "still" if clip.offset_ms is None else f"{clip.offset_ms:+g}"
        measured = "-" if report.offset_ms is None else f"{report.offset_ms:+.1f}"
        error = ""
        if clip.offset_ms is not None and report.offset_ms is not None:
            errors.append(abs(report.offset_ms - clip.offset_ms))
            within += errors[-1] <= ONE_FRAME_MS
            error = f"{errors[-1]:.1f}"
        print(
            f"  {clip.name:<16} {true:>6} {measured:>9} {error:>6} {report.confidence:>10.3f} "
            f"{report.mouth_moves!s:>6} | {base_offset:>+9.1f} {base_conf:>6.3f}"
        )
    print(
        f"  offset within one frame (40 ms): {within} of {len(MOVING)} moving clips; "
        f"largest error {max(errors):.1f} ms, median {statistics.median(errors):.1f} ms"
    )


def main() -> None:
    speed()
    validation()


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--once":
        threads = int(sys.argv[3]) if len(sys.argv) == 4 else None
        print(json.dumps(measure_once(Path(sys.argv[2]), threads)))
    else:
        main()

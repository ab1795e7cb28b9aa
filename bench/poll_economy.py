"""Provider requests per polling interval: K active jobs per provider, T browser sessions.

Run: ``.venv/bin/python -m bench.poll_economy``. It starts the sandbox with jobs that take an
hour (so all stay active), submits K jobs to AusyncLab (Nova), Kling (after choosing a face)
and TwinSync, starts the process's one shared refresher, and runs T threads that each do what a
status page does on every rerun (read the history). Requests are counted at the sandbox.

Goal per interval: AusyncLab 1 (one list call for all its jobs), Kling K and TwinSync K (one
status call per job). A design where each session polls each job makes K×T.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from lipsync_core.config import load_settings
from lipsync_core.jobs import JobInputs, JobService, JobState, PollPolicy
from lipsync_core.refresher import shared_refresher, stop_shared_refresher
from lipsync_core.sandbox import SandboxConfig, SandboxServer

K = 20
T = 5
INTERVAL = 2.0
WINDOW = 20.0
PAGE_RERUN = 1.0
ROOT = Path(__file__).resolve().parent.parent
FACE_MEDIA = JobInputs(
    video_path=str(ROOT / "samples" / "face.mp4"),
    audio_path=str(ROOT / "samples" / "speech.wav"),
)
TARGETS = [("ausynclab", "nova"), ("kling", "advanced-lip-sync"), ("twinsync", "videotalking")]
# One interval for every job's age, so the window measures the same interval throughout.
POLICY = PollPolicy(steps=(), slow_interval=INTERVAL)


def small_media(folder: Path) -> JobInputs:
    """A 2 s 320×240 clip and a 2 s tone, quick to render, for the providers that need no face."""
    video, audio = folder / "clip.mp4", folder / "tone.wav"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for index in range(50):
            picture = np.full((240, 320, 3), index * 5, dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(stream.encode(None))
    with av.open(str(audio), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=16_000, layout="mono")
        tone = (np.sin(np.arange(32_000) / 16_000 * 2 * np.pi * 220) * 8000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 16_000, 0, Fraction(1, 16_000)
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return JobInputs(video_path=str(video), audio_path=str(audio))


def submit_all(service: JobService, small: JobInputs) -> list[str]:
    """K jobs per provider: Kling on the sample face (it must find one), the others on ``small``."""
    ids = []
    for provider, model in TARGETS:
        for _ in range(K):
            job = service.submit(provider, model, FACE_MEDIA if provider == "kling" else small)
            if job.state is JobState.NEEDS_INPUT:
                job = service.choose_face(job.id, job.options.faces[0].face_id)
            if job.state not in (JobState.QUEUED, JobState.RUNNING):
                raise SystemExit(f"{provider} job not running: {job.state} {job.error}")
            ids.append(job.id)
    return ids


def sessions(service: JobService, stop: threading.Event, reads: Counter[str]) -> None:
    """T browser sessions rerunning the status page every second until ``stop``."""

    def page(name: str) -> None:
        while not stop.is_set():
            service.history(page_size=50)
            reads[name] += 1
            stop.wait(PAGE_RERUN)

    threads = [threading.Thread(target=page, args=(f"s{n}",)) for n in range(T)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join()


def main() -> None:
    config = SandboxConfig(job_seconds=3600)
    with SandboxServer(config) as sandbox, tempfile.TemporaryDirectory() as folder:
        environ = {"LIPSYNC_SANDBOX": "on", "LIPSYNC_DATA_DIR": folder}
        settings = load_settings(environ, secrets_path=None)
        service = JobService.from_settings(
            settings, sandbox_base_urls=sandbox.base_urls, policy=POLICY
        )
        started = time.monotonic()
        submit_all(service, small_media(Path(folder)))
        # The sandbox renders every output right away (its jobs then wait out job_seconds);
        # measuring after the renders keeps their CPU use out of the polling figures.
        sandbox.wait_idle(timeout=900)
        print(
            f"submitted {K} jobs to each of AusyncLab, Kling, TwinSync "
            f"in {time.monotonic() - started:.1f} s"
        )
        refresher = shared_refresher(service, tick=0.25)
        time.sleep(INTERVAL)  # let the first round of checks pass
        stop, reads = threading.Event(), Counter()
        readers = threading.Thread(target=sessions, args=(service, stop, reads))
        begin = sandbox.clock.now()
        readers.start()
        time.sleep(WINDOW)
        stop.set()
        readers.join()
        end = sandbox.clock.now()
        stop_shared_refresher()
        report(sandbox, begin, end, sum(reads.values()), refresher.last_error)


def report(sandbox: SandboxServer, begin: float, end: float, reads: int, error: str | None) -> None:
    intervals = (end - begin) / INTERVAL
    print(
        f"window {end - begin:.1f} s = {intervals:.1f} intervals of {INTERVAL:.0f} s; "
        f"{T} sessions reran the status page {reads} times; refresher error: {error}"
    )
    print(f"{'provider':<11}{'requests':>9}{'per interval':>14}{'goal':>6}{'naive K×T':>11}")
    goals = {"ausynclab": 1, "kling": K, "twinsync": K}
    for provider, goal in goals.items():
        made = [
            r for r in sandbox.requests(provider) if begin <= r.time < end and r.method == "GET"
        ]
        per = len(made) / intervals
        print(f"{provider:<11}{len(made):>9}{per:>14.1f}{goal:>6}{K * T:>11}")


if __name__ == "__main__":
    main()

"""Background lip-sync measure: the time one measure of a sandbox result takes, end to end.

Run: ``.venv/bin/python -m bench quality_jobs``. The shipped sample (5 s, 1280×720, a face and
speech) is sent on the embedded sandbox to AusyncLab Nova, Prime and TwinSync as one comparison,
over a temporary SQLite history; once the results are copied, each is measured the way the
refresher's measuring thread does it (``JobService.measure_results(limit=1)``: lease the job,
measure, save, release). Printed per result: its length, the whole step's wall time, the
measure's own time (what the job keeps in ``quality.seconds``), the CPU time of the process
meanwhile (every thread), the ratio of wall time to the result's length, and what was found
(the sandbox moves no lips: ``mouth_moves`` False). Wall time depends on what else the machine
runs; the load average is printed first.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from lipsync_core.config import load_settings
from lipsync_core.flows.clients import client_factories
from lipsync_core.flows.model import DownloadState, Job, JobInputs
from lipsync_core.jobs import JobService, JobStore
from lipsync_core.sandbox import SandboxConfig, SandboxServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TARGETS = [("ausynclab", "nova"), ("ausynclab", "prime"), ("twinsync", "videotalking")]
FINISH_SECONDS = 180.0


def finished(service: JobService, jobs: list[Job]) -> list[Job]:
    """The jobs once succeeded and copied (the sandbox on real time, checked every 0.2 s)."""
    deadline = time.monotonic() + FINISH_SECONDS
    while time.monotonic() < deadline:
        service.refresh_due()
        current = service.get_many([job.id for job in jobs])
        if all(job.is_final and job.download_state is not DownloadState.PENDING for job in current):
            return current
        time.sleep(0.2)
    raise SystemExit("the sandbox jobs did not finish in time")


def main() -> None:
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    with (
        tempfile.TemporaryDirectory() as folder,
        SandboxServer(SandboxConfig(job_seconds=1.0, media_folders=(SAMPLES,)), port=0) as sandbox,
    ):
        environ = {
            "LIPSYNC_SANDBOX": "on",
            "LIPSYNC_DATA_DIR": str(Path(folder) / "data"),
            "LIPSYNC_DATABASE_URL": f"sqlite:///{Path(folder) / 'lipsync.db'}",
        }
        settings = load_settings(environ, secrets_path=None)
        factories = client_factories(settings, sandbox_base_urls=sandbox.base_urls)
        service = JobService(JobStore(settings.database_url), factories, settings)
        try:
            inputs = JobInputs(
                video_path=str(SAMPLES / "face.mp4"), audio_path=str(SAMPLES / "speech.wav")
            )
            jobs = finished(service, service.submit_group(TARGETS, inputs))
            print(f"{'result':<22}{'length s':>9}{'step s':>8}{'measure s':>10}"
                  f"{'cpu s':>7}{'ratio':>7}  found")  # fmt: skip
            for _ in jobs:
                wall, cpu = time.perf_counter(), time.process_time()
                service.measure_results(limit=1)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                _print(service, jobs, wall, cpu)
        finally:
            service.close()


def _print(service: JobService, jobs: list[Job], wall: float, cpu: float) -> None:
    """The row of the result measured last."""
    measured = [
        (job, job.quality)
        for job in service.get_many([j.id for j in jobs])
        if job.quality is not None and job.quality.measured_at is not None
    ]
    job, quality = max(measured, key=lambda pair: pair[1].measured_at or 0)
    report = quality.report or {}
    length = float(report.get("duration_s") or 0.0)
    found = f"mouth_moves={report.get('mouth_moves')} confidence={report.get('confidence')}"
    ratio = wall / length if length else float("nan")
    print(
        f"{job.provider + ' ' + job.model:<22}{length:>9.1f}{wall:>8.2f}"
        f"{quality.seconds or 0.0:>10.2f}{cpu:>7.2f}{ratio:>7.2f}  {found}"
    )


if __name__ == "__main__":
    main()

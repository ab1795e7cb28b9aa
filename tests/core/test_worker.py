"""Workers and dashboards on one database and one data directory, as separate processes.

Each test starts ``python -m lipsync_core.worker`` processes (real processes, real sandbox over
HTTP, a real database: SQLite, then PostgreSQL) and sends jobs from the test's own process, which
runs no refresher: whatever follows the jobs, copies their results and serves the sandbox is
a worker's doing. Requests are counted at the sandbox.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from lipsync_core.config import load_settings
from lipsync_core.errors import ConfigurationError
from lipsync_core.jobs import Job, JobInputs, JobService, JobState
from lipsync_core.sandbox.shared import SharedSandbox
from lipsync_core.worker import sandbox_config, start_services

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60.0
FINISH_SECONDS = 120.0


class Worker:
    """One ``python -m lipsync_core.worker`` process and what it printed."""

    def __init__(self, environ: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lipsync_core.worker"], cwd=REPO, env=environ,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def wait_running(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if "worker running" in self.output():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.output()[-3000:]}")
            time.sleep(0.1)
        raise AssertionError(f"the worker did not start:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def environ(tmp_path: Path, database_url: str) -> dict[str, str]:
    """A deployment on the sandbox: one data directory and one database for every process."""
    values = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith(("_API_KEY", "_BASE_URL")) and not key.startswith("LIPSYNC_")
    }
    values.update(
        LIPSYNC_SANDBOX="on",
        LIPSYNC_DATA_DIR=str(tmp_path / "data"),
        LIPSYNC_DATABASE_URL=database_url,
        LIPSYNC_SANDBOX_JOB_SECONDS="2",
        LIPSYNC_RECEIVER_PORT="0",
        PYTHONPATH=str(REPO),
    )
    return values


@pytest.fixture
def start_worker(environ: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(environ, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def sender(environ: dict[str, str]) -> Iterator[Callable[[], tuple[JobService, SharedSandbox]]]:
    """Makes a job service in the test's process that never refreshes, on the sandbox the
    workers already run (call it once they run)."""
    made: list[tuple[JobService, SharedSandbox]] = []

    def make() -> tuple[JobService, SharedSandbox]:
        settings = load_settings(environ, secrets_path=None)
        sandbox = SharedSandbox(sandbox_config(settings), settings.data_dir / "sandbox").start()
        assert sandbox.server is None, "a worker runs the sandbox, not the test"
        made.append((JobService.from_settings(settings, sandbox_base_urls=sandbox.base_urls),
                     sandbox))  # fmt: skip
        return made[-1]

    yield make
    for service, sandbox in made:
        service.close()
        sandbox.stop()


def media(folder: Path, small_media: JobInputs) -> JobInputs:
    """``small_media`` copied under the deployment's uploads (what the sandbox may read)."""
    uploads = folder / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    copies = {}
    for kind in ("video", "audio"):
        source = Path(getattr(small_media, f"{kind}_path"))
        target = uploads / source.name
        target.write_bytes(source.read_bytes())
        copies[f"{kind}_path"] = str(target)
    return JobInputs(**copies)


def wait_final(service: JobService, ids: list[str], downloaded: bool = True) -> list[Job]:
    deadline = time.monotonic() + FINISH_SECONDS
    while time.monotonic() < deadline:
        jobs = service.get_many(ids)
        if all(job.is_final and (job.output_path or not downloaded) for job in jobs):
            return jobs
        time.sleep(0.25)
    raise AssertionError(f"jobs did not finish: {[(j.state, j.note) for j in jobs]}")


def sandbox_requests(sandbox: SharedSandbox) -> list[dict]:
    answer = requests.get(f"{sandbox.address.base_url}/_sandbox/requests", timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_a_worker_follows_jobs_and_copies_results_without_any_page(
    start_worker, sender, environ, small_media: JobInputs
) -> None:
    """Jobs sent by one process are checked, finished and copied by a worker process alone."""
    worker = start_worker()
    worker.wait_running()
    service, _ = sender()
    folder = Path(environ["LIPSYNC_DATA_DIR"])
    sent = [service.submit(p, m, media(folder, small_media)) for p, m in TARGETS]
    jobs = wait_final(service, [job.id for job in sent])
    assert all(job.state is JobState.SUCCEEDED for job in jobs), [j.error for j in jobs]
    assert all(Path(job.output_path).parent == folder / "outputs" for job in jobs)
    assert "history" in worker.output() and "sandbox" in worker.output()


TARGETS = [("ausynclab", "nova"), ("twinsync", "videotalking")]


def test_workers_share_one_sandbox_ask_once_per_interval_and_copy_each_result_once(
    start_worker, sender, environ, small_media: JobInputs
) -> None:
    """Three workers on one database: one sandbox serves them all, each job's status is asked
    by one process per check, and every result is copied exactly once."""
    workers = [start_worker() for _ in range(3)]
    for worker in workers:
        worker.wait_running()
    service, sandbox = sender()
    record = json.loads((Path(environ["LIPSYNC_DATA_DIR"]) / "sandbox" / "server.json").read_text())
    assert record["pid"] in {w.process.pid for w in workers}
    assert sum("(runs here)" in w.output() for w in workers) == 1
    folder = Path(environ["LIPSYNC_DATA_DIR"])
    inputs = media(folder, small_media)
    ids = [service.submit(p, m, inputs).id for p, m in TARGETS * 3]
    jobs = wait_final(service, ids)
    assert all(job.state is JobState.SUCCEEDED for job in jobs)
    log = sandbox_requests(sandbox)
    for job in jobs:
        if job.provider != "twinsync":
            continue
        checks = [r for r in log if r["method"] == "GET" and r["query"].endswith(
            job.provider_job_id)]  # fmt: skip
        lived = (job.finished_at - job.started_at).total_seconds()
        assert 1 <= len(checks) <= lived / 2 + 2, (len(checks), lived)
    copies = Counter(r["path"] for r in log if r["path"].startswith("/files/") and
                     r["path"].endswith(".mp4") and r["method"] == "GET")  # fmt: skip
    assert len(copies) == len(jobs) and set(copies.values()) == {1}, copies


def test_when_the_process_running_the_sandbox_dies_another_takes_it_over(
    start_worker, sender, environ, small_media: JobInputs
) -> None:
    """The worker running the sandbox is killed: another worker starts it again on the same
    port, from its state file, and the jobs sent before still finish."""
    first, second = start_worker(), start_worker()
    first.wait_running()
    second.wait_running()
    folder = Path(environ["LIPSYNC_DATA_DIR"])
    record = json.loads((folder / "sandbox" / "server.json").read_text())
    owner = next(w for w in (first, second) if w.process.pid == record["pid"])
    other = second if owner is first else first
    service, _ = sender()
    ids = [service.submit(p, m, media(folder, small_media)).id for p, m in TARGETS]
    time.sleep(1.0)  # the sandbox saves its state at most 0.2 s after a change; then it dies
    owner.stop(signal.SIGKILL)
    jobs = wait_final(service, ids)
    assert all(job.state is JobState.SUCCEEDED for job in jobs), [j.error for j in jobs]
    now = json.loads((folder / "sandbox" / "server.json").read_text())
    assert now["port"] == record["port"]
    assert now["pid"] in {other.process.pid, os.getpid()} and now["pid"] != record["pid"]


@pytest.mark.parametrize("database", ["sqlite"])
def test_a_busy_receiver_port_is_an_error_when_providers_are_sent_there(
    environ: dict[str, str], tmp_path: Path
) -> None:
    """With LIPSYNC_PUBLIC_BASE_URL set, a busy receiver port stops the start-up in words;
    without it (only this computer's sandbox calls back) another port is taken."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        public = {**environ, "LIPSYNC_RECEIVER_PORT": str(port),
                  "LIPSYNC_PUBLIC_BASE_URL": "https://lipsync.example.test"}  # fmt: skip
        with pytest.raises(ConfigurationError, match=f"port {port} \\(it is busy\\)"):
            start_services(load_settings(public, secrets_path=None))
        local = {**environ, "LIPSYNC_RECEIVER_PORT": str(port)}
        services = start_services(load_settings(local, secrets_path=None))
        try:
            assert services.receiver is not None and services.receiver.port != port
        finally:
            services.stop()
        off = {**environ, "LIPSYNC_RECEIVER_PORT": "off"}
        services = start_services(load_settings(off, secrets_path=None))
        try:
            assert services.receiver is None and services.service.callback_url is None
        finally:
            services.stop()
    finally:
        taken.close()

"""A team's deployment: 1, 2 and 4 worker processes on one database, and two dashboards.

Run: ``.venv/bin/python -m bench team``. It prints

- provider status requests per running job per interval with 1, 2 and 4 processes (goal: the
  same within 10 %), counted at the sandbox, and how many results were copied more than once
  (goal: 0) — on SQLite, and on PostgreSQL when its server binaries are installed;
- the time from a job sent into the database until a second dashboard's open Status page shows
  its card, in Chromium (goal: at most one refresh interval + 1 s).

Jobs take an hour on the sandbox clock, so all stay running while requests are counted; the
clock is then moved on so every job ends and its result is copied.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.poll_economy import small_media
from lipsync_core.config import load_settings
from lipsync_core.flows.model import JobInputs
from lipsync_core.jobs import JobService
from lipsync_core.sandbox.shared import SharedSandbox
from lipsync_core.worker import sandbox_config

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = (1, 2, 4)
K = 8
WARM_UP = 35.0  # past the first 30 s, jobs are checked every 5 s
WINDOW = 60.0
INTERVAL = 5.0
TARGETS = [("ausynclab", "nova"), ("twinsync", "videotalking")]


def environment(data: Path, database_url: str, **extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("LIPSYNC_")}
    values.update(
        LIPSYNC_SANDBOX="on",
        LIPSYNC_DATA_DIR=str(data),
        LIPSYNC_DATABASE_URL=database_url,
        LIPSYNC_SANDBOX_JOB_SECONDS="3600",
        LIPSYNC_RECEIVER_PORT="0",
        PYTHONPATH=str(ROOT),
    )
    values.update(extra)
    return values


@contextmanager
def processes(command: list[str], environ: dict[str, str], count: int, folder: Path) -> Iterator:
    started = []
    for index in range(count):
        log = (folder / f"process-{index}.log").open("wb")
        started.append(subprocess.Popen(command, cwd=ROOT, env=environ, stdout=log, stderr=log))
    try:
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def wait_for(path: Path, text: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise SystemExit(f"{path} never said {text!r}:\n{path.read_text(errors='replace')[-2000:]}")


def beside_the_processes(
    environ: dict[str, str], data: Path
) -> tuple[SharedSandbox, JobService, JobInputs]:
    """What the bench itself uses next to the processes: their one sandbox (found through the
    shared data directory), a job service on their database, and small media in their uploads."""
    settings = load_settings(environ, secrets_path=None)
    sandbox = SharedSandbox(sandbox_config(settings), data / "sandbox").start()
    service = JobService.from_settings(settings, sandbox_base_urls=sandbox.base_urls)
    uploads = data / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    return sandbox, service, small_media(uploads)


def measure(count: int, database_url: str) -> dict[str, float]:
    """Requests per job per interval with ``count`` workers, and results copied twice."""
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        data = folder / "data"
        environ = environment(data, database_url)
        command = [sys.executable, "-m", "lipsync_core.worker"]
        with processes(command, environ, count, folder):
            for index in range(count):
                wait_for(folder / f"process-{index}.log", "worker running")
            sandbox, service, inputs = beside_the_processes(environ, data)
            for provider, model in TARGETS:
                for _ in range(K):
                    service.submit(provider, model, inputs)
            base = sandbox.address.base_url  # type: ignore[union-attr]
            time.sleep(WARM_UP)
            begin = clock(base)
            time.sleep(WINDOW)
            end = clock(base)
            log = requests.get(f"{base}/_sandbox/requests", timeout=30).json()
            checks = status_checks(log, begin, end)
            requests.post(f"{base}/_sandbox/clock/advance", json={"seconds": 4000}, timeout=10)
            copies = wait_copied(service, log_url=f"{base}/_sandbox/requests")
            service.close()
            sandbox.stop()
    intervals = (end - begin) / INTERVAL
    return {
        "twinsync": checks["twinsync"] / K / intervals,
        "ausynclab": checks["ausynclab"] / intervals,
        "copied twice": sum(1 for n in copies.values() if n > 1),
        "copies": len(copies),
    }


def clock(base: str) -> float:
    """The sandbox clock's reading (its request log is stamped with it)."""
    answer = requests.post(f"{base}/_sandbox/clock/advance", json={"seconds": 0}, timeout=10)
    return float(answer.json()["now"])


def status_checks(log: list[dict], begin: float, end: float) -> Counter[str]:
    counted: Counter[str] = Counter()
    for record in log:
        if record["method"] == "GET" and begin <= record["time"] < end:
            if record["path"] == "/twinsync/videotalking":
                counted["twinsync"] += 1
            elif record["path"].endswith("/lipsync/generate"):
                counted["ausynclab"] += 1
    return counted


def wait_copied(service: JobService, log_url: str, timeout: float = 300.0) -> Counter[str]:
    """Wait until every result is copied; how often each output file was fetched."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = service.history(page_size=200).jobs
        if jobs and all(job.output_path for job in jobs):
            break
        time.sleep(1.0)
    log = requests.get(log_url, timeout=30).json()
    return Counter(
        r["path"] for r in log if r["method"] == "GET" and r["path"].startswith("/files/")
        and r["path"].endswith(".mp4")
    )  # fmt: skip


def runs(folder: Path) -> Iterator[tuple[str, int, str]]:
    """(database, processes, URL): each run on a database of its own, SQLite then PostgreSQL
    (when its server binaries are installed; the tests' throwaway cluster)."""
    for count in PROCESSES:
        yield "SQLite", count, f"sqlite:///{folder / f'history-{count}.db'}"
    try:
        from tests.postgres_server import PostgresServer

        server = PostgresServer().start()
    except Exception as exc:
        print(f"(PostgreSQL not measured: {exc})")
        return
    try:
        for count in PROCESSES:
            name = server.create_database(f"bench_team_{count}")
            yield "PostgreSQL", count, server.url(name)
    finally:
        server.stop()


def card_latency(samples: int = 5) -> list[float]:
    """Seconds from a job written to the database until dashboard B's open Status page shows it."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, free_port

    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        data = folder / "data"
        database_url = f"sqlite:///{data / 'lipsync.db'}"
        port = free_port()
        environ = environment(data, database_url, LIPSYNC_SANDBOX_JOB_SECONDS="2")
        command = [sys.executable, "-m", "ui.serve", "--server.port", str(port),
                   "--server.headless", "true", "--server.address", "127.0.0.1"]  # fmt: skip
        with processes(command, environ, 1, folder):
            wait_for(folder / "process-0.log", "history")
            sandbox, service, inputs = beside_the_processes(environ, data)
            service.submit("twinsync", "videotalking", inputs, title="already-here")
            seconds = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_role("link", name="Status", exact=True).click(timeout=60_000)
                page.locator("text=already-here >> visible=true").first.wait_for(timeout=60_000)
                for index in range(samples):
                    title = f"teammate-{index}"
                    started = time.monotonic()
                    service.submit("twinsync", "videotalking", inputs, title=title)
                    page.locator(f"text={title} >> visible=true").first.wait_for(timeout=60_000)
                    seconds.append(time.monotonic() - started)
                browser.close()
            service.close()
            sandbox.stop()
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as folder_name:
        print(f"{K} jobs each at AusyncLab Nova and TwinSync; a {WINDOW:.0f} s window of "
              f"{INTERVAL:.0f} s intervals (goal: 1 check per job per interval; AusyncLab: one "
              "list call per interval for all its jobs)")  # fmt: skip
        print(f"{'database':<11}{'processes':>10}{'TwinSync/job':>14}{'AusyncLab':>11}"
              f"{'copied twice':>14}")  # fmt: skip
        for name, count, url in runs(Path(folder_name)):
            figures = measure(count, url)
            print(f"{name:<11}{count:>10}{figures['twinsync']:>14.2f}"
                  f"{figures['ausynclab']:>11.2f}{figures['copied twice']:>9.0f} of "
                  f"{figures['copies']:.0f}")  # fmt: skip
    seconds = card_latency()
    print(
        f"job written → card on another dashboard's open Status page: median "
        f"{statistics.median(seconds):.2f} s, max {max(seconds):.2f} s over {len(seconds)} "
        "(goal: ≤ 2 s refresh interval + 1 s)"
    )


if __name__ == "__main__":
    main()

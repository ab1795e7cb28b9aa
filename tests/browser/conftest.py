"""The real app in a subprocess (``python -m ui.serve``, as ``make run``) over a temporary data
folder, on the sandbox, and Debian's Chromium driven by Playwright (never a downloaded browser).

The app always runs with ``LIPSYNC_SANDBOX=on``, so no key in the environment or in a developer's
``.streamlit/secrets.toml`` can make a test spend money, and with its own SQLite file. Streamlit
reads its secrets (``[auth]`` for sign-in) only from the test's own file, none unless a test
gives one, so a developer's sign-in set-up never changes what a test sees.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from lipsync_core.config import PROVIDERS
from lipsync_core.store import JobStore

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_SECONDS = 60.0
SANDBOX_JOB_SECONDS = "3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningApp:
    """One ``streamlit run app.py`` process and where it keeps its data."""

    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    log: Path

    def store(self) -> JobStore:
        return JobStore(f"sqlite:///{self.data_dir / 'lipsync.db'}")

    def kill(self) -> None:
        """Stop the app at once, as a crash or a power cut would (no clean shutdown)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def app_environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for provider in PROVIDERS:
        env[f"{provider.upper()}_API_KEY"] = ""
        env.pop(f"{provider.upper()}_BASE_URL", None)
    env.update(
        LIPSYNC_SANDBOX="on",
        LIPSYNC_DATA_DIR=str(data_dir),
        LIPSYNC_DATABASE_URL=f"sqlite:///{data_dir / 'lipsync.db'}",
        LIPSYNC_SANDBOX_JOB_SECONDS=SANDBOX_JOB_SECONDS,
        LIPSYNC_PUBLIC_BASE_URL="",
        LIPSYNC_SHARE_WITHOUT_SIGN_IN="no",
    )
    env.pop("LIPSYNC_LANGUAGE", None)
    return env


def start_app(
    data_dir: Path,
    log: Path,
    *,
    args: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    port: int | None = None,
    secrets_file: Path | None = None,
) -> RunningApp:
    """Start the dashboard and wait until Streamlit says it is healthy; ``args`` are more
    ``streamlit run`` options, ``environ`` more (or other) environment variables,
    ``secrets_file`` Streamlit's secrets (by default none: no sign-in)."""
    port = port or free_port()
    secrets_file = secrets_file or log.with_name("no-secrets.toml")
    command = [
        sys.executable, "-m", "ui.serve",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false", "--secrets.files", str(secrets_file), *args,
    ]  # fmt: skip
    env = {**app_environment(data_dir), **(environ or {})}
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip
    app = RunningApp(process, f"http://127.0.0.1:{port}", data_dir, log)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the app exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{app.url}/_stcore/health", timeout=2).ok:
                return app
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    app.stop()
    raise AssertionError(f"the app did not start in {START_SECONDS:.0f} s")


@pytest.fixture
def launch_app(tmp_path: Path) -> Iterator[Callable[[], RunningApp]]:
    """Start the app (again, over the same data folder, when called twice); stopped afterwards."""
    started: list[RunningApp] = []
    data_dir = tmp_path / "data"

    def launch() -> RunningApp:
        app = start_app(data_dir, tmp_path / "streamlit.log")
        started.append(app)
        return app

    yield launch
    for app in started:
        app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()

"""A start-up of the dashboard, and its first page, reach out to nothing outside this machine.

Every Python process of the app runs with an audit hook (network_audit_hook.py, put on
``PYTHONPATH`` as ``sitecustomize``) that records each socket connection, datagram and name
look-up its code makes. Only loopback, unspecified (binding) and Unix-socket addresses may appear.
A control run of Streamlit without the project's settings shows that the hook does see the
external-IP look-up those settings turn off.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.browser.conftest import REPO, START_SECONDS, app_environment, free_port

pytestmark = pytest.mark.browser

AUDIT_HOOK = Path(__file__).resolve().parent / "network_audit_hook.py"
LOADED = "hook.loaded"
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def _local(host: str | None) -> bool:
    """Loopback, or an unspecified address (what a server binds to)."""
    if host in (None, "", "localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def outside_calls(log: Path) -> list[tuple[str, str | None]]:
    """Every recorded connection or look-up that names something beyond this machine."""
    if not log.exists():
        return []
    found = []
    for line in log.read_text(encoding="utf-8").splitlines():
        event, family, host = json.loads(line)
        if event != LOADED and family != socket.AF_UNIX and not _local(host):
            found.append((event, host))
    return found


def hooked_processes(log: Path) -> list[str]:
    """The command lines of the processes that ran with the hook."""
    if not log.exists():
        return []
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [command for event, _, command in records if event == LOADED]


class Streamlit:
    """``streamlit run`` in its own process group, every Python process under the audit hook."""

    def __init__(self, script: str, cwd: Path, env: dict[str, str], folder: Path) -> None:
        hook_dir = folder / "hook"
        hook_dir.mkdir()
        shutil.copyfile(AUDIT_HOOK, hook_dir / "sitecustomize.py")
        self.log = folder / "network.jsonl"
        self.output = folder / "streamlit.out"
        home = folder / "home"
        home.mkdir()
        env = {k: v for k, v in env.items() if k not in PROXY_VARIABLES}
        python_path = os.pathsep.join(
            p for p in (str(hook_dir), str(REPO), env.get("PYTHONPATH")) if p
        )
        env.update(
            PYTHONPATH=python_path,
            LIPSYNC_TEST_NETWORK_LOG=str(self.log),
            PYTHONUNBUFFERED="1",
            HOME=str(home),  # no user-level ~/.streamlit settings or credentials
        )
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(self.port),
        ]
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.url = f"http://localhost:{self.port}"

    def wait_until_announced(self) -> str:
        """Wait until Streamlit answers its health check and has printed its address."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output.read_text()[-3000:]
            printed = self.output.read_text(errors="replace")
            if "URL: " in printed.partition("You can now view")[2]:
                try:
                    if requests.get(f"{self.url}/_stcore/health", timeout=2).ok:
                        return printed
                except requests.ConnectionError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"Streamlit did not start:\n{self.output.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def test_the_dashboard_starts_and_serves_its_first_page_without_reaching_out(
    tmp_path: Path, browser: Browser
) -> None:
    """``streamlit run app.py`` with the project's config: only loopback traffic, none beyond."""
    app = Streamlit("app.py", REPO, app_environment(tmp_path / "data"), tmp_path)
    try:
        printed = app.wait_until_announced()
        context = browser.new_context()
        page = context.new_page()
        page.goto(app.url)
        expect(page.get_by_text("Sandbox").first).to_be_visible(timeout=60_000)
        expect(page.get_by_role("button", name="Try the sample media")).to_be_visible(
            timeout=60_000
        )
        context.close()
    finally:
        app.stop()
    assert hooked_processes(app.log), "the audit hook was not loaded"
    assert outside_calls(app.log) == []
    assert f"URL: http://localhost:{app.port}" in printed
    assert "External URL" not in printed and "Network URL" not in printed


def test_the_audit_hook_sees_streamlits_external_ip_look_up_without_the_settings(
    tmp_path: Path,
) -> None:
    """Control: a headless Streamlit without the project's settings looks up its external IP."""
    project = tmp_path / "plain"
    (project / ".streamlit").mkdir(parents=True)
    (project / ".streamlit" / "config.toml").write_text(
        "[server]\nheadless = true\n[browser]\ngatherUsageStats = false\n", encoding="utf-8"
    )
    (project / "hello.py").write_text("import streamlit as st\nst.write('hello')\n")
    app = Streamlit("hello.py", project, dict(os.environ), tmp_path)
    try:
        app.wait_until_announced()
    finally:
        app.stop()
    looked_up = [host for _, host in outside_calls(app.log)]
    assert "checkip.amazonaws.com" in looked_up, outside_calls(app.log)

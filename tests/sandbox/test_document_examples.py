"""The documents' own example clients run unchanged (but for URLs, key and media) on the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .support import start_cli, stop_cli

EXAMPLES = Path(__file__).resolve().parent / "seed_examples"
CLIENT_SECONDS = 120
LOOPBACK = "127.0.0.1,localhost"


def _run_example(name: str, port: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """A document's example client (kept as the document indents it) run as a process."""
    code = (EXAMPLES / name).read_text(encoding="utf-8").replace("SANDBOX_PORT", port)
    script = folder / "example.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=CLIENT_SECONDS,
        env={**os.environ, "NO_PROXY": LOOPBACK, "no_proxy": LOOPBACK},
        check=False,
    )


def test_the_twinsync_documents_example_client_finishes_against_the_sandbox(
    tmp_path: Path,
) -> None:
    """The seed's TwinSync client submits, polls and stops with a result URL, within a deadline.

    The client is the document's code (seed_examples/twinsync_document_example.txt), changed
    only in its URLs, key and media; it polls every 10 s until a status says 100 with
    ``result_url``, so it would loop until the deadline if the sandbox answered otherwise.
    """
    process, urls = start_cli("--job-seconds", "1")
    try:
        port = str(urlsplit(urls["twinsync"]).port)
        finished = _run_example("twinsync_document_example.txt", port, tmp_path)
        results = [line for line in finished.stdout.splitlines() if line.startswith("Result URL")]
        video = requests.get(results[0].split(": ", 1)[1], timeout=30) if results else None
    finally:
        stop_cli(process)
    assert finished.returncode == 0, finished.stderr
    assert "Task ID:" in finished.stdout
    assert len(results) == 1 and results[0].startswith(f"Result URL: http://127.0.0.1:{port}/")
    assert video is not None and video.status_code == 200 and video.content[4:8] == b"ftyp"

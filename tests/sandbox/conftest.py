"""Fixtures of the sandbox tests: small real media and a real callback receiver.

The tiny media live in the uploads folder of a data folder of their own, which every sandbox test
names as ``LIPSYNC_DATA_DIR``: a sandbox built with the default media folders reads them as it
reads a deployment's uploads. The callback receiver is trusted in ``LIPSYNC_FETCH_ALLOW``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .support import CallbackReceiver, TinyMedia, write_video, write_wav


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyMedia:
    """A 2 s 160x120 clip and a 2.5 s tone: real media that renders in a fraction of a second."""
    folder = tmp_path_factory.mktemp("tiny-data") / "uploads"
    folder.mkdir()
    return TinyMedia(write_video(folder / "tiny.mp4"), write_wav(folder / "tone.wav", 2.5))


@pytest.fixture(autouse=True)
def media_data_dir(tiny: TinyMedia, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``LIPSYNC_DATA_DIR``: the data folder whose ``uploads/`` holds the tiny media."""
    data_dir = tiny.video.parent.parent
    monkeypatch.setenv("LIPSYNC_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture
def callback_receiver(trust_host: Callable[[str], None]) -> Iterator[CallbackReceiver]:
    """A real HTTP endpoint on 127.0.0.1 (free port) that keeps every JSON body POSTed to it."""
    receiver = CallbackReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length))
            self.send_response(200)
            self.end_headers()
            receiver.add(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads what arrived, not a log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    trust_host(receiver.url)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)

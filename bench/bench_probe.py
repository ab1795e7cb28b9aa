"""Probe speed: ``probe()`` against ``ffprobe`` on a 60 s 1080p file, and bytes read remotely.

Run: ``.venv/bin/python -m bench.bench_probe``. The first run makes the test file (about a
minute; see ``bench/clips.py``) and keeps it in ``bench/out/`` (git-ignored).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.clips import ROOT, ensure_clip
from lipsync_core.media import probe

RUNS = 7


def median_seconds(action: Callable[[], object], runs: int = RUNS) -> float:
    """The median wall time of ``runs`` calls, after one warm-up call."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _ffprobe(path: Path) -> None:
    command = ["ffprobe", "-v", "error", "-show_format", "-show_streams", str(path)]
    subprocess.run(command, check=True, capture_output=True)


class _CountingServer:
    """A one-file HTTP server on 127.0.0.1 with ``Range`` support that counts the bytes sent."""

    def __init__(self, data: bytes) -> None:
        self.data, self.bytes_sent, self.requests = data, 0, 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                span = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
                first, last = (int(span[1]), int(span[2])) if span else (0, len(server.data) - 1)
                body = server.data[first : min(last, len(server.data) - 1) + 1]
                self.send_response(206 if span else 200)
                self.send_header("Content-Length", str(len(body)))
                if span:
                    self.send_header("Content-Range", f"bytes {first}-{last}/{len(server.data)}")
                self.end_headers()
                self.wfile.write(body)
                server.bytes_sent += len(body)
                server.requests += 1

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    clip = ensure_clip("export")
    size = clip.stat().st_size
    info = probe(clip)
    print(
        f"file: {clip.relative_to(ROOT)}, {size / 1e6:.1f} MB, {info.width}×{info.height}, "
        f"{info.duration:.2f} s, {info.video_codec} + {info.audio_codec}, index at the end"
    )
    ours = median_seconds(lambda: probe(clip))
    print(f"probe() local:              {ours * 1000:7.1f} ms (median of {RUNS}, in-process)")
    if shutil.which("ffprobe"):
        theirs = median_seconds(lambda: _ffprobe(clip))
        start = median_seconds(lambda: subprocess.run(["ffprobe", "-version"], capture_output=True))
        print(f"ffprobe -show_streams:      {theirs * 1000:7.1f} ms (median of {RUNS}, a process)")
        print(f"  of which process start:   {start * 1000:7.1f} ms (ffprobe -version)")
        print(f"ratio probe() / ffprobe:    {ours / theirs:7.2f}")
    else:
        print("ffprobe: not installed (apt-get install ffmpeg), no comparison")
    _remote(clip, size)


def _remote(clip: Path, size: int) -> None:
    server = _CountingServer(clip.read_bytes())
    try:
        url = f"http://{server.address}/{clip.name}"
        started = time.perf_counter()
        probe(url, allowed_hosts=[server.address])
        took = time.perf_counter() - started
    finally:
        server.close()
    print(
        f"probe() over HTTP:          {took * 1000:7.1f} ms, {server.bytes_sent:,} bytes in "
        f"{server.requests} range requests = {server.bytes_sent / size:.2%} of the file"
    )


if __name__ == "__main__":
    main()

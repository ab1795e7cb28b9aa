"""The receiver under hostile callbacks: how much memory and time they cost it.

Run: ``.venv/bin/python -m bench receiver``. A real receiver runs in this process on
127.0.0.1 over a fresh data folder; a raw socket then posts a 500 MB callback body (its length
announced, then in chunks) and keeps sending until the receiver answers or closes, and
``requests`` posts 2,000 small callbacks that are refused (wrong secret, wrong type, too deep).
Printed: the bytes sent before the answer, the answer, the peak resident memory of the process
above where it started (Linux ``VmHWM``, reset before each case), and the rate of refusals.
"""

from __future__ import annotations

import select
import socket
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

from lipsync_core.callback_secret import job_callback_url, server_secret
from lipsync_core.callbacks import parse_callback
from lipsync_core.receiver import Receiver

BODY_BYTES = 500_000_000
PIECE = b"x" * 65_536
SMALL_POSTS = 2_000


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _measured(work: Callable[[], str]) -> tuple[str, float, float]:
    """``work``'s own summary, its seconds, and the peak memory above the start, in MB."""
    Path("/proc/self/clear_refs").write_text("5")
    start = _status_kib("VmRSS")
    began = time.perf_counter()
    summary = work()
    took = time.perf_counter() - began
    return summary, took, (_status_kib("VmHWM") - start) / 1024


def _huge_body(url: str, chunked: bool) -> Callable[[], str]:
    host, port = url.split("/")[2].split(":")
    path = "/" + url.split("/", 3)[3]
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY_BYTES}"
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"

    def run() -> str:
        sent = 0
        with socket.create_connection((host, int(port)), timeout=60) as sock:
            sock.sendall((head + framing + "\r\n\r\n").encode())
            while sent < BODY_BYTES and not select.select([sock], [], [], 0)[0]:
                data = f"{len(PIECE):x}\r\n".encode() + PIECE + b"\r\n" if chunked else PIECE
                try:
                    sock.sendall(data)
                except OSError:
                    break
                sent += len(PIECE)
            answer = sock.recv(200).split(b"\r\n", 1)[0].decode() or "(closed)"
        return f"{answer}; {sent / 1e6:.1f} MB sent of 500"

    return run


def _small_posts(url: str) -> Callable[[], str]:
    bodies = [
        (url.rsplit("/", 1)[0] + "/" + "0" * 64, "application/json", b'{"video_id": 1}'),
        (url, "text/plain", b'{"video_id": 1}'),
        (url, "application/json", b"[" * 8000 + b"]" * 8000),
        (url, "application/json", b'{"video_id": 1, "status": "DONE", "credits_used": 1e999}'),
    ]

    def run() -> str:
        statuses: dict[int, int] = {}
        with requests.Session() as session:
            for index in range(SMALL_POSTS):
                target, kind, body = bodies[index % len(bodies)]
                code = session.post(target, data=body, headers={"Content-Type": kind}).status_code
                statuses[code] = statuses.get(code, 0) + 1
        return ", ".join(f"{n} x {code}" for code, n in sorted(statuses.items()))

    return run


def _check_only(_job_id: str, payload: Mapping[str, Any]) -> None:
    """The service's first step, without a database: the body's values are checked."""
    parse_callback(payload)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-receiver-") as folder:
        data_dir = Path(folder)
        receiver = Receiver(
            data_dir / "uploads", _check_only, lambda: server_secret(data_dir)
        ).start()
        url = job_callback_url(receiver.callback_url, "job-1", server_secret(data_dir))
        cases = [
            ("500 MB body, length announced", _huge_body(url, chunked=False)),
            ("500 MB body, chunked", _huge_body(url, chunked=True)),
            (f"{SMALL_POSTS:,} refused small callbacks", _small_posts(url)),
        ]
        print(f"{'case':<38}{'seconds':>9}{'peak MB':>9}  answer")
        try:
            for name, work in cases:
                summary, took, peak = _measured(work)
                print(f"{name:<38}{took:>9.2f}{peak:>9.1f}  {summary}")
        finally:
            receiver.stop()


if __name__ == "__main__":
    main()

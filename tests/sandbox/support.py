"""Helpers of the sandbox tests: small real media (fast to render) and a callback receiver."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

RATE = 16_000


@dataclass(frozen=True)
class TinyMedia:
    video: Path  # 2 s, 160x120, H.264 + AAC
    audio: Path  # 2.5 s WAV tone

    @property
    def video_url(self) -> str:
        return self.video.as_uri()

    @property
    def audio_url(self) -> str:
        return self.audio.as_uri()


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16).reshape(1, -1)


def _mux_tone(out: av.container.OutputContainer, stream: Any, seconds: float) -> None:
    frame = av.AudioFrame.from_ndarray(_tone(seconds), format="s16", layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = RATE, 0, Fraction(1, RATE)
    for packet in (*stream.encode(frame), *stream.encode(None)):
        out.mux(packet)


def write_video(path: Path, seconds: float = 2.0) -> Path:
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        video.options = {"preset": "ultrafast"}
        audio = out.add_stream("aac", rate=RATE, layout="mono")
        for index in range(round(seconds * 25)):
            rgb = np.full((120, 160, 3), (index * 5) % 256, dtype=np.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(video.encode(None))
        _mux_tone(out, audio, seconds)
    return path


def write_wav(path: Path, seconds: float) -> Path:
    with av.open(str(path), "w") as out:
        _mux_tone(out, out.add_stream("pcm_s16le", rate=RATE, layout="mono"), seconds)
    return path


@dataclass
class CallbackReceiver:
    """A real HTTP endpoint on 127.0.0.1 that keeps every JSON body POSTed to it."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def add(self, payload: dict[str, Any]) -> None:
        with self.arrived:
            self.received.append(payload)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


REPO = Path(__file__).resolve().parents[2]


def start_cli(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The sandbox CLI in a process, and the base URLs of its three printed lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lipsync_core.sandbox", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline().split() for _ in range(3)]
    assert [line[0] for line in lines if line] == ["ausynclab", "kling", "twinsync"]
    return process, dict(lines)


def stop_cli(process: subprocess.Popen[str], stop: int = signal.SIGTERM) -> None:
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr

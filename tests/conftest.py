"""Shared fixtures: one embedded sandbox per test session, and the shipped sample media.

``sandbox`` hands a test the session's server freshly reset and, at teardown, fails the test if
anything was raised inside the server's threads during it (pytest-httpserver's habit).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lipsync_core.sandbox import SandboxConfig, SandboxServer

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TEST_JOB_SECONDS = 1.0


@pytest.fixture(scope="session")
def sample_video_path() -> Path:
    """``samples/face.mp4``: a 5 s 1280x720 clip of a talking face, with sound."""
    path = SAMPLES / "face.mp4"
    assert path.is_file(), f"{path} is missing"
    return path


@pytest.fixture(scope="session")
def sample_audio_path() -> Path:
    """``samples/speech.wav``: 5 s of speech."""
    path = SAMPLES / "speech.wav"
    assert path.is_file(), f"{path} is missing"
    return path


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """The session's sandbox on 127.0.0.1 (free port), jobs taking 1 s of sandbox clock."""
    with SandboxServer(SandboxConfig(job_seconds=TEST_JOB_SECONDS), port=0) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """The session's sandbox, reset; the test fails if the server's threads raised."""
    sandbox_server.reset()
    yield sandbox_server
    idle = sandbox_server.wait_idle(timeout=60)
    errors = sandbox_server.errors
    if errors:
        pytest.fail(f"the sandbox raised inside its threads: {errors!r}", pytrace=False)
    assert idle, "the sandbox's renders did not finish within 60 s"

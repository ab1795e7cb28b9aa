"""Shared fixtures: one embedded sandbox per test session, the shipped sample media, and the
job history's database on SQLite and on a real PostgreSQL server.

``sandbox`` hands a test the session's server freshly reset and, at teardown, fails the test if
anything was raised inside the server's threads during it (pytest-httpserver's habit).
``database_url`` runs a test once per database: a new SQLite file, then a new database on the
session's PostgreSQL cluster (started on first use, see ``tests/postgres_server.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lipsync_core.sandbox import SandboxConfig, SandboxServer
from tests.postgres_server import PostgresServer

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TEST_JOB_SECONDS = 1.0
DATABASES = ["sqlite", "postgresql"]


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


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of this test run only, on a free port of 127.0.0.1."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on: each test using it runs on SQLite, then on PostgreSQL.

    A test that checks something only SQLite has narrows it with
    ``@pytest.mark.parametrize("database", ["sqlite"])`` and says why in its docstring.
    """
    return str(request.param)


@pytest.fixture
def make_database_url(
    database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], str]]:
    """Makes the URLs of new, empty databases of that kind: SQLite files in ``tmp_path``, or
    databases on the session's PostgreSQL cluster (dropped at teardown)."""
    if database == "sqlite":
        paths = (tmp_path / f"history-{n}" / "lipsync.db" for n in itertools.count())
        yield lambda: f"sqlite:///{next(paths)}"
        return
    server: PostgresServer = request.getfixturevalue("postgresql_server")
    names: list[str] = []

    def make() -> str:
        names.append(server.create_database())
        return server.url(names[-1])

    yield make
    for name in names:
        server.drop_database(name)


@pytest.fixture
def database_url(make_database_url: Callable[[], str]) -> str:
    """The URL of an empty database (SQLite, then PostgreSQL: see ``database``)."""
    return make_database_url()

"""Shared fixtures: one embedded sandbox per test session, the shipped sample media, and the
job history's database on SQLite and on a real PostgreSQL server.

``sandbox`` hands a test the session's server freshly reset and, at teardown, fails the test if
anything was raised inside the server's threads during it (pytest-httpserver's habit).
``trust_host`` lets a test's local server through the address guard, as a deployment names a
trusted host in ``LIPSYNC_FETCH_ALLOW``. ``database_url`` runs a test once per database: a new
SQLite file, then a new database on the session's PostgreSQL cluster (started on first use, see
``tests/postgres_server.py``).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

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
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """The session's sandbox on 127.0.0.1 (free port), jobs taking 1 s of sandbox clock; it
    reads ``file://`` media from the samples and the session's temporary folders."""
    folders = (SAMPLES, tmp_path_factory.getbasetemp())
    config = SandboxConfig(job_seconds=TEST_JOB_SECONDS, media_folders=folders)
    with SandboxServer(config, port=0) as server:
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


@pytest.fixture
def trust_host(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Adds a link's ``host:port`` (or an entry as it is) to ``LIPSYNC_FETCH_ALLOW`` for a test."""

    def trust(url_or_entry: str) -> None:
        parts = urlsplit(url_or_entry)
        entry = parts.netloc if parts.scheme else url_or_entry
        current = os.environ.get("LIPSYNC_FETCH_ALLOW", "")
        monkeypatch.setenv("LIPSYNC_FETCH_ALLOW", ",".join(filter(None, [current, entry])))

    return trust


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

"""The server secret under the data folder, and the per-job callback tokens derived from it."""

from __future__ import annotations

import multiprocessing
import stat
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from lipsync_core.callback_secret import (
    SECRET_FILE,
    job_callback_url,
    job_token,
    server_secret,
    token_matches,
)
from lipsync_core.errors import ConfigurationError

PROCESSES = 8


def _make_at_once(folder: str, barrier: Barrier, results: multiprocessing.Queue) -> None:
    barrier.wait(timeout=30)
    results.put(server_secret(Path(folder)))


def secrets_made_at_once(folder: Path) -> set[bytes]:
    """The secrets ``PROCESSES`` processes get when they ask at the same moment."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=_make_at_once, args=(str(folder), barrier, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    secrets = {results.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return secrets


@pytest.mark.parametrize("attempt", range(5))
def test_processes_starting_together_make_one_secret_that_all_of_them_use(
    tmp_path: Path, attempt: int
) -> None:
    """Eight processes asking at the same moment on a fresh data folder all get the same
    secret, kept in one private file (mode 0600) beside, not inside, the served uploads."""
    secrets = secrets_made_at_once(tmp_path)
    assert len(secrets) == 1
    (secret,) = secrets
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert server_secret(tmp_path) == secret
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [SECRET_FILE]


def test_a_secret_file_too_short_is_a_plain_setting_error(tmp_path: Path) -> None:
    """A secret someone cut short is refused, saying what to do, rather than used."""
    (tmp_path / SECRET_FILE).write_text("short\n")
    with pytest.raises(ConfigurationError, match=r"too short\. Delete the file and restart"):
        server_secret(tmp_path)


@pytest.mark.parametrize(
    ("secret", "job_id", "token", "matches"),
    [
        (b"a" * 64, "job-1", job_token(b"a" * 64, "job-1"), True),
        (b"a" * 64, "job-1", job_token(b"a" * 64, "job-2"), False),
        (b"a" * 64, "job-1", job_token(b"b" * 64, "job-1"), False),
        (b"a" * 64, "job-1", job_token(b"a" * 64, "job-1").upper(), False),
        (b"a" * 64, "job-1", job_token(b"a" * 64, "job-1")[:-1], False),
        (b"a" * 64, "job-1", "", False),
        (b"a" * 64, "job-1", "é" * 64, False),
    ],
)
def test_a_token_matches_only_its_own_job_under_its_own_secret(
    secret: bytes, job_id: str, token: str, matches: bool
) -> None:
    """Another job's token, another secret's, a changed or non-ASCII one: none matches."""
    assert token_matches(secret, job_id, token) is matches


def test_a_jobs_address_is_the_base_then_its_id_then_its_token() -> None:
    """``<base>/<job id>/<64 hex digits>``, the same every time for the same job."""
    url = job_callback_url("https://lipsync.example.com/callbacks/ausynclab/", "abc", b"k" * 64)
    token = job_token(b"k" * 64, "abc")
    assert url == f"https://lipsync.example.com/callbacks/ausynclab/abc/{token}"
    assert len(token) == 64 and int(token, 16) >= 0

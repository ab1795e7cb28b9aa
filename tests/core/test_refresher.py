"""One background refresher per process, shared by every browser session."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from lipsync_core.config import Settings
from lipsync_core.flows.clients import ClientPool, client_factories
from lipsync_core.flows.model import QualityState
from lipsync_core.jobs import JobInputs, JobService, JobState, JobStore, PollPolicy
from lipsync_core.refresher import Refresher, shared_refresher, stop_shared_refresher
from lipsync_core.sandbox import SandboxServer

FAST = PollPolicy(steps=((60.0, 0.2),))


@pytest.fixture
def service(sandbox: SandboxServer, settings: Settings) -> Iterator[JobService]:
    """A service on real time (not the sandbox clock of the shared one), checking every 0.2 s."""
    factories = client_factories(settings, sandbox_base_urls=sandbox.base_urls)
    service = JobService(JobStore(settings.database_url), factories, settings, policy=FAST)
    yield service
    service.close()


@pytest.fixture
def refresher(service: JobService) -> Iterator[Refresher]:
    refresher = Refresher(service, tick=0.05, download_tick=0.05).start()
    yield refresher
    refresher.stop()


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_process_has_one_refresher_whoever_asks(service: JobService) -> None:
    """Every session asking for the refresher gets the same running one."""
    try:
        first = shared_refresher(service)
        second = shared_refresher(service)
        assert second is first and first.running
        names = {t.name for t in first.threads}
        assert names == {"lipsync-refresher", "lipsync-downloads", "lipsync-quality"}
    finally:
        stop_shared_refresher()
    assert not first.running


def test_starting_a_running_refresher_again_changes_nothing(refresher: Refresher) -> None:
    """Start is once: a second start keeps the same three threads."""
    threads = refresher.threads
    assert refresher.start() is refresher
    assert refresher.threads == threads


def test_jobs_finish_and_are_copied_without_any_page_asking(
    refresher: Refresher, service: JobService, small_media: JobInputs
) -> None:
    """Submitted jobs reach succeeded, get their local copy and its lip-sync measure in the
    background (these faceless clips say why theirs could not be measured)."""
    jobs = [
        service.submit("ausynclab", "nova", small_media),
        service.submit("twinsync", "videotalking", small_media),
    ]
    refresher.wake()

    def all_copied() -> bool:
        current = service.get_many([job.id for job in jobs])
        return all(job.state is JobState.SUCCEEDED and job.output_path for job in current)

    wait_until(all_copied)

    def all_measured() -> bool:
        current = service.get_many([job.id for job in jobs])
        return all(job.quality_state is QualityState.FAILED for job in current)

    wait_until(all_measured)
    reasons = {job.quality.report["reason"] for job in service.get_many([j.id for j in jobs])}
    assert reasons == {"No face was found in the video, so lip sync cannot be judged."}
    assert refresher.last_error is None and refresher.ticks > 0


def test_browser_sessions_reading_the_history_send_nothing_to_providers(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Five sessions rerunning the status page make no provider request of their own."""
    for _ in range(3):
        service.submit("ausynclab", "nova", small_media)
    before = len(sandbox.requests())
    stop = threading.Event()

    def session() -> None:
        while not stop.is_set():
            service.history(page_size=20)

    readers = [threading.Thread(target=session) for _ in range(5)]
    for reader in readers:
        reader.start()
    time.sleep(0.5)
    stop.set()
    for reader in readers:
        reader.join()
    assert len(sandbox.requests()) == before


def test_each_thread_gets_its_own_client(settings: Settings, sandbox: SandboxServer) -> None:
    """Sessions are not shared across threads: a client per provider per thread."""
    pool = ClientPool(client_factories(settings, sandbox_base_urls=sandbox.base_urls))
    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.append(pool.get("kling")))
    worker.start()
    worker.join()
    mine = pool.get("kling")
    assert pool.get("kling") is mine
    assert seen[0] is not mine and type(seen[0]) is type(mine)

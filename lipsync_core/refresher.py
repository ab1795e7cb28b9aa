"""One background refresher per process, shared by every browser session.

A :class:`Refresher` is a daemon thread that calls :meth:`JobService.refresh_due` every tick
(a cheap indexed query when nothing is due; each job's own schedule decides when a provider is
asked), plus a second daemon thread that copies finished results, so a large download never
delays status checks. :func:`shared_refresher` hands every caller in the process the same
started instance; the pages keep it with ``st.cache_resource``. Nothing here imports Streamlit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from lipsync_core.jobs import JobService

logger = logging.getLogger(__name__)

DEFAULT_TICK = 1.0
DEFAULT_DOWNLOAD_TICK = 2.0


class Refresher:
    """Keeps every active job's status fresh in the background; start once, stop at exit."""

    def __init__(
        self,
        service: JobService,
        *,
        tick: float = DEFAULT_TICK,
        download_tick: float = DEFAULT_DOWNLOAD_TICK,
    ) -> None:
        self.service = service
        self.tick = tick
        self.download_tick = download_tick
        self.ticks = 0
        self.last_error: str | None = None
        self.last_refresh: float | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def threads(self) -> tuple[threading.Thread, ...]:
        return tuple(self._threads)

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def start(self) -> Refresher:
        """Start the threads; calling it again while they run does nothing."""
        with self._lock:
            if self.running:
                return self
            self._stop.clear()
            self._threads = [
                threading.Thread(target=self._poll_loop, name="lipsync-refresher", daemon=True),
                threading.Thread(target=self._download_loop, name="lipsync-downloads", daemon=True),
                threading.Thread(target=self._quality_loop, name="lipsync-quality", daemon=True),
            ]
            for thread in self._threads:
                thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)

    def wake(self) -> None:
        """Check for due jobs now instead of at the next tick (e.g. right after a submit)."""
        self._wake.set()

    def _poll_loop(self) -> None:
        self._loop(lambda: self.service.refresh_due(download=False), self.tick, count=True)

    def _download_loop(self) -> None:
        self._loop(self.service.download_outputs, self.download_tick, count=False)

    def _quality_loop(self) -> None:
        self._loop(self.service.measure_results, self.download_tick, count=False)

    def _loop(self, work: Callable[[], object], every: float, *, count: bool) -> None:
        while not self._stop.is_set():
            try:
                work()
            except Exception as exc:
                # The thread must outlive any one failure (a database hiccup, a bug in a flow);
                # the error is logged in full and kept for the status page.
                logger.exception("background refresh failed")
                self.last_error = f"{type(exc).__name__}: {exc}"
            if count:
                self.ticks += 1
                self.last_refresh = time.time()
            if count:
                self._wake.wait(every)
                self._wake.clear()
            else:
                self._stop.wait(every)


_shared: Refresher | None = None
_shared_lock = threading.Lock()


def shared_refresher(service: JobService, *, tick: float = DEFAULT_TICK) -> Refresher:
    """The process's one refresher, started; the first service given is the one it keeps."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Refresher(service, tick=tick)
        return _shared.start()


def stop_shared_refresher(timeout: float = 10.0) -> None:
    """Stop and forget the process's refresher (tests, or a clean shutdown)."""
    global _shared
    with _shared_lock:
        refresher, _shared = _shared, None
    if refresher is not None:
        refresher.stop(timeout)

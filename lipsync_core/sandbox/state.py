"""The sandbox's shared state: clock, job state machines, request log, errors, background work.

Like moto, a job does not store its state: it stores when it was created and what its render
produced, and a per-provider :class:`TransitionTable` says which state that means at a given
moment of the sandbox :class:`Clock`. Tests move the clock forward instead of sleeping.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import av

from lipsync_core.errors import MediaValidationError
from lipsync_core.sandbox.config import SandboxConfig
from lipsync_core.sandbox.faults import FaultRegistry

INTERNAL_FAILURE = "The sandbox hit an internal error while rendering this job."
INJECTED_FAILURE = "The sandbox was told to fail this job (fail_job fault)."


class JobFailure(Exception):
    """A job cannot finish, for a reason its owner can act on (bad input, unreadable media)."""


class Clock:
    """Wall-clock time plus an offset that tests push forward with :meth:`advance`."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        """Seconds since the Unix epoch, as the sandbox sees them."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward (never back) and return the new time."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
            listeners = list(self._listeners)
        for listener in listeners:
            listener()
        return self.now()

    def on_advance(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)


@dataclass(eq=False)
class Job:
    """The timing and outcome of one emulated job; its state comes from a TransitionTable."""

    created_at: float
    seconds: float
    finished_at: float | None = None
    error: str | None = None

    def finish(self, now: float, error: str | None = None) -> None:
        self.finished_at = now
        self.error = error


@dataclass(frozen=True)
class Transition:
    state: str
    at: float  # fraction of the job's seconds after which the job is in ``state``


@dataclass(frozen=True)
class TransitionTable:
    """A provider's declared state sequence; the last step is its success state.

    The final step is only reached once the job's render has finished: a render slower than
    the table keeps the job in the step before, and a failed render turns the final step into
    ``failure``.
    """

    steps: tuple[Transition, ...]
    failure: str

    @property
    def success(self) -> str:
        return self.steps[-1].state

    def is_final(self, state: str) -> bool:
        return state in (self.success, self.failure)

    def state(self, job: Job, now: float) -> str:
        index = self._index(job, now)
        if index < len(self.steps) - 1:
            return self.steps[index].state
        return self.failure if job.error else self.success

    def changed_at(self, job: Job, now: float) -> float:
        """When the job entered the state it is in at ``now``."""
        index = self._index(job, now)
        entered = job.created_at + self.steps[index].at * job.seconds
        if index == len(self.steps) - 1 and job.finished_at is not None:
            return max(entered, job.finished_at)
        return entered

    def _index(self, job: Job, now: float) -> int:
        elapsed = now - job.created_at
        index = max(i for i, s in enumerate(self.steps) if elapsed >= s.at * job.seconds or i == 0)
        if index == len(self.steps) - 1 and job.finished_at is None:
            return index - 1
        return index


@dataclass(frozen=True)
class RequestRecord:
    """One request that reached the sandbox (body keys only: never a value, never a key)."""

    provider: str | None
    method: str
    path: str
    query: str
    body_keys: tuple[str, ...]
    status: int | None  # None: no response was sent (dropped connection)
    time: float
    fault: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Store(Protocol):
    """A provider's records; cleared by :meth:`SandboxState.reset`."""

    def reset(self) -> None: ...


CallbackSource = Callable[[float], list[tuple[str, dict[str, Any]]]]
S = TypeVar("S", bound=Store)


class SandboxState:
    """Everything the routes, the middleware and the workers share, behind one lock."""

    def __init__(self, config: SandboxConfig, data_dir: Path) -> None:
        self.config = config
        self.clock = Clock()
        self.lock = threading.RLock()
        self.faults = FaultRegistry()
        self.files_dir = data_dir / "files"
        self.inputs_dir = data_dir / "inputs"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.inputs_dir.mkdir(parents=True, exist_ok=True)
        self.base_url = ""
        self.request_log: list[RequestRecord] = []
        self.errors: list[BaseException] = []
        self.callbacks_sent: list[tuple[str, dict[str, Any], bool]] = []
        self._stores: list[Store] = []
        self._callback_sources: list[CallbackSource] = []
        self._executor = ThreadPoolExecutor(config.render_workers, "sandbox-render")
        self._in_flight = 0
        self._idle = threading.Condition()

    def register_store(self, store: S) -> S:
        self._stores.append(store)
        return store

    def register_callback_source(self, source: CallbackSource) -> None:
        self._callback_sources.append(source)

    def reset(self) -> None:
        """Forget every job, fault, logged request, error and sent callback."""
        with self.lock:
            for store in self._stores:
                store.reset()
            self.faults.clear()
            self.request_log.clear()
            self.errors.clear()
            self.callbacks_sent.clear()

    def record_request(self, record: RequestRecord) -> None:
        with self.lock:
            self.request_log.append(record)

    def record_error(self, exc: BaseException) -> None:
        with self.lock:
            self.errors.append(exc)

    def record_callback(self, url: str, payload: dict[str, Any], ok: bool) -> None:
        with self.lock:
            self.callbacks_sent.append((url, payload, ok))

    def due_callbacks(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        """Callbacks of jobs that reached a final state since the last call (each sent once)."""
        with self.lock:
            return [item for source in self._callback_sources for item in source(now)]

    def new_job(self) -> Job:
        return Job(created_at=self.clock.now(), seconds=self.config.job_seconds)

    def new_file(self, prefix: str, suffix: str) -> tuple[Path, str]:
        """A fresh path in the served files folder and its URL."""
        name = f"{prefix}-{uuid.uuid4().hex[:12]}{suffix}"
        return self.files_dir / name, self.file_url(name)

    def file_url(self, name: str) -> str:
        return f"{self.base_url}/files/{name}"

    def start_job(self, job: Job, work: Callable[[], None], *, fail: bool = False) -> None:
        """Run ``work`` (the render) in a worker thread, or fail the job now if told to."""
        if fail:
            job.finish(job.created_at, INJECTED_FAILURE)
            return
        with self._idle:
            self._in_flight += 1
        self._executor.submit(self._run, job, work)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no render is running; False if ``timeout`` seconds were not enough."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: Job, work: Callable[[], None]) -> None:
        try:
            self._finish(job, work)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _finish(self, job: Job, work: Callable[[], None]) -> None:
        try:
            work()
        except JobFailure as exc:
            error: str | None = str(exc)
        except MediaValidationError as exc:
            error = str(exc)
        except av.FFmpegError as exc:
            error = f"The media could not be read or rendered: {exc.strerror or exc}."
        except Exception as exc:
            self.record_error(exc)
            error = INTERNAL_FAILURE
        else:
            error = None
        with self.lock:
            job.finish(self.clock.now(), error)

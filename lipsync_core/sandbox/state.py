"""The sandbox's shared state: clock, job state machines, request log, errors, background work.

Like moto, a job does not store its state: it stores when it was created and what its render
produced, and a per-provider :class:`TransitionTable` says which state that means at a given
moment of the sandbox :class:`Clock`. Tests move the clock forward instead of sleeping.

With a state file, the stores, the clock's offset and undelivered callbacks are saved after each
mutation and restored at start (see ``persistence.py``); renders that never finished run again.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import av

from lipsync_core.errors import MediaValidationError
from lipsync_core.sandbox.config import SandboxConfig
from lipsync_core.sandbox.faults import FaultRegistry
from lipsync_core.sandbox.persistence import CorruptStateError, Saver, StateFile, log

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

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def resume(self, offset: float) -> None:
        """Continue a restored sandbox's time: wall time plus the offset it had reached."""
        with self._lock:
            self._offset = max(self._offset, float(offset))


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "created_at": self.created_at,
            "seconds": self.seconds,
            "finished_at": self.finished_at,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        finished_at = data["finished_at"]
        return cls(
            created_at=float(data["created_at"]),
            seconds=float(data["seconds"]),
            finished_at=None if finished_at is None else float(finished_at),
            error=_optional_text(data["error"]),
        )


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


@dataclass(eq=False)
class PendingCallback:
    """A callback due but not yet delivered; ``files`` are payload fields naming served files.

    File names become URLs only when the callback is sent, so a callback restored after a
    restart on another port still carries working URLs.
    """

    url: str
    payload: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)
    sending: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "payload": dict(self.payload), "files": dict(self.files)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingCallback:
        return cls(str(data["url"]), dict(data["payload"]), dict(data["files"]))


class ProviderStore(ABC):
    """A provider's records: cleared by ``reset``, saved by ``snapshot``, loaded by ``restore``.

    A store starts empty and registers itself with its state under ``name``. ``resume`` runs
    after every store is restored: it re-queues the renders that never finished.
    """

    name: str

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.reset()
        state.register_store(self)

    @abstractmethod
    def reset(self) -> None: ...

    @abstractmethod
    def snapshot(self) -> dict[str, Any]: ...

    @abstractmethod
    def restore(self, data: dict[str, Any]) -> None: ...

    @abstractmethod
    def resume(self) -> None: ...


CallbackSource = Callable[[float], list[PendingCallback]]
S = TypeVar("S", bound=ProviderStore)


class SandboxState:
    """Everything the routes, the middleware and the workers share, behind one lock."""

    def __init__(self, config: SandboxConfig, data_dir: Path) -> None:
        self.config = config
        self.clock = Clock()
        self.lock = threading.RLock()
        self.faults = FaultRegistry()
        self.data_dir = data_dir
        self._data_prefix = os.path.join(str(data_dir), "")
        self.files_dir = data_dir / "files"
        self.inputs_dir = data_dir / "inputs"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.inputs_dir.mkdir(parents=True, exist_ok=True)
        self.base_url = ""
        self.request_log: list[RequestRecord] = []
        self.errors: list[BaseException] = []
        self.callbacks_sent: list[tuple[str, dict[str, Any], bool]] = []
        self.pending_callbacks: list[PendingCallback] = []
        self._stores: dict[str, ProviderStore] = {}
        self._callback_sources: list[CallbackSource] = []
        self._executor = ThreadPoolExecutor(config.render_workers, "sandbox-render")
        self._in_flight = 0
        self._idle = threading.Condition()
        self._saver: Saver | None = None
        self.clock.on_advance(self.changed)

    def register_store(self, store: S) -> S:
        self._stores[store.name] = store
        return store

    def register_callback_source(self, source: CallbackSource) -> None:
        self._callback_sources.append(source)

    def reset(self) -> None:
        """Forget every job, fault, logged request, error and sent callback."""
        with self.lock:
            self._forget_all()
            self.faults.clear()
            self.request_log.clear()
            self.errors.clear()
            self.callbacks_sent.clear()
        self.changed()

    def record_request(self, record: RequestRecord) -> None:
        with self.lock:
            self.request_log.append(record)

    def record_error(self, exc: BaseException) -> None:
        with self.lock:
            self.errors.append(exc)

    def due_callbacks(self, now: float) -> list[PendingCallback]:
        """Callbacks to send now: those of jobs that just reached a final state, and those
        restored undelivered. Each is handed out once; :meth:`callback_done` retires it."""
        with self.lock:
            fresh = [item for source in self._callback_sources for item in source(now)]
            self.pending_callbacks.extend(fresh)
            due = [item for item in self.pending_callbacks if not item.sending]
            for item in due:
                item.sending = True
        if fresh:
            self.changed()
        return due

    def callback_payload(self, callback: PendingCallback) -> dict[str, Any]:
        """The payload with its file names made URLs of the server as it is now."""
        urls = {key: self.file_url(name) for key, name in callback.files.items()}
        return {**callback.payload, **urls}

    def callback_done(self, callback: PendingCallback, payload: dict[str, Any], ok: bool) -> None:
        """Record a delivery attempt (ok or not: no retry) and forget the callback."""
        with self.lock:
            self.callbacks_sent.append((callback.url, payload, ok))
            if callback in self.pending_callbacks:
                self.pending_callbacks.remove(callback)
        self.changed()

    def new_job(self) -> Job:
        return Job(created_at=self.clock.now(), seconds=self.config.job_seconds)

    def new_file(self, prefix: str, suffix: str) -> Path:
        """A fresh path in the served files folder; answers name it by ``file_url(path.name)``."""
        return self.files_dir / f"{prefix}-{uuid.uuid4().hex[:12]}{suffix}"

    def file_url(self, name: str) -> str:
        """The URL of a served file on this server (built per answer: the port may change)."""
        return f"{self.base_url}/files/{name}"

    def optional_url(self, name: str | None) -> str | None:
        return None if name is None else self.file_url(name)

    def has_file(self, name: str | None) -> bool:
        return name is not None and (self.files_dir / name).is_file()

    def relative(self, path: Path | None) -> str | None:
        """How a saved state names a file of the data folder (relative, so the folder may move)."""
        if path is None:
            return None
        text = str(path)
        return text.removeprefix(self._data_prefix)

    def resolve(self, saved: str | None) -> Path | None:
        return None if saved is None else self.data_dir / str(saved)

    def start_job(self, job: Job, work: Callable[[], None], *, fail: bool = False) -> None:
        """Run ``work`` (the render) in a worker thread, or fail the job now if told to."""
        if fail:
            job.finish(job.created_at, INJECTED_FAILURE)
            return
        with self._idle:
            self._in_flight += 1
        self._executor.submit(self._run, job, work)

    def resume_job(
        self,
        job: Job,
        table: TransitionTable,
        outputs: list[str | None],
        work: Callable[[], None],
    ) -> None:
        """Render a restored job again if its render never finished, or if it has not reached
        its final state and an output file is gone; any other job just continues by the clock."""
        if job.finished_at is not None:
            if job.error is not None or table.is_final(table.state(job, self.clock.now())):
                return
            if all(self.has_file(name) for name in outputs):
                return
        job.finished_at = None
        job.error = None
        self.start_job(job, work)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no render is running; False if ``timeout`` seconds were not enough."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def shutdown(self) -> None:
        """Finish the running renders (queued ones are dropped: a restore re-queues them)."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def changed(self) -> None:
        """Mark the state changed (saved shortly when there is a state file); cheap, any thread."""
        if self._saver is not None:
            self._saver.changed()

    def save(self) -> None:
        """Write the state file now (a no-op without one)."""
        if self._saver is not None:
            self._saver.save_now()

    def close(self) -> None:
        """The final save; this state never writes its file again (a new server may own it)."""
        if self._saver is not None:
            self._saver.close()

    def restore(self) -> None:
        """Load the state file into the stores, re-queue unfinished renders, start saving.

        A file that cannot be understood is kept aside as ``.corrupt`` with a logged warning,
        and the sandbox starts empty: a bad file never stops the sandbox.
        """
        path = self.config.state_file
        if path is None:
            return
        file = StateFile(path)
        try:
            self._load(file.read())
        except (CorruptStateError, KeyError, TypeError, ValueError, AttributeError) as exc:
            self._forget_all()
            kept = file.set_aside()
            log.warning(
                "The sandbox state file %s could not be read (%s); the sandbox starts empty "
                "and the file was kept as %s.",
                path,
                exc,
                kept,
            )
        self._saver = Saver(file, self._snapshot, self.lock, self.record_error)
        with self.lock:
            for store in self._stores.values():
                store.resume()
        self.changed()

    def _snapshot(self) -> dict[str, Any]:
        return {
            "saved_at": time.time(),
            "clock_offset": self.clock.offset,
            "pending_callbacks": [item.to_dict() for item in self.pending_callbacks],
            "stores": {name: store.snapshot() for name, store in self._stores.items()},
        }

    def _load(self, data: dict[str, Any] | None) -> None:
        if data is None:
            return
        with self.lock:
            offset = float(data["clock_offset"])
            pending = [PendingCallback.from_dict(item) for item in data["pending_callbacks"]]
            for name, store in self._stores.items():
                store.restore(data["stores"][name])
            self.pending_callbacks = pending
            self.clock.resume(offset)

    def _forget_all(self) -> None:
        """Forget what a state file holds: every provider's records and undelivered callbacks."""
        with self.lock:
            for store in self._stores.values():
                store.reset()
            self.pending_callbacks.clear()

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
        self.changed()


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)

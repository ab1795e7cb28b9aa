"""The sandbox's state file: what a real provider keeps across restarts, as one JSON document.

A mutation only marks the state changed; a writer thread saves it at once, then at most every
``SAVE_INTERVAL`` seconds while changes keep coming (a snapshot of 1,000 jobs per provider costs
~30 ms, too much for every request), and a final save happens on stop or at interpreter exit.
Writes are atomic (temp file, then ``os.replace``). A file that cannot be understood is set
aside as ``<name>.corrupt`` and the sandbox starts empty.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
SAVE_INTERVAL = 0.2
log = logging.getLogger("lipsync_core.sandbox")


class CorruptStateError(ValueError):
    """The state file exists but does not hold a sandbox state this version understands."""


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, Any] | None:
        """The saved state, or None when there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CorruptStateError(f"not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("version") != SCHEMA_VERSION:
            raise CorruptStateError(f"not a version {SCHEMA_VERSION} sandbox state")
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Replace the file atomically: a reader sees the old state or the new, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, self.path)

    def set_aside(self) -> Path:
        """Move the file to ``<name>.corrupt`` (replacing an older one) and return that path."""
        kept = self.path.with_name(self.path.name + ".corrupt")
        os.replace(self.path, kept)
        return kept


class Saver:
    """Saves snapshots from a writer thread, at most every ``interval`` seconds.

    ``changed`` only sets a flag, so any thread may call it, holding the state lock or not.
    The snapshot is taken under ``lock``; the file is written outside it.
    """

    def __init__(
        self,
        file: StateFile,
        snapshot: Callable[[], dict[str, Any]],
        lock: threading.RLock,
        on_error: Callable[[BaseException], None],
        interval: float = SAVE_INTERVAL,
    ) -> None:
        self.file = file
        self._snapshot = snapshot
        self._lock = lock
        self._on_error = on_error
        self._interval = interval
        self._dirty = threading.Event()
        self._closing = threading.Event()
        self._write_lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="sandbox-state-saver", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        self._dirty.set()

    def save_now(self) -> None:
        """Write the current state before returning (the writer thread keeps running)."""
        with self._write_lock:
            if self._closed:
                return
            self._dirty.clear()
            with self._lock:
                data = {"version": SCHEMA_VERSION, **self._snapshot()}
            try:
                self.file.write(data)
            except (OSError, TypeError, ValueError) as exc:
                log.error("The sandbox could not save its state to %s: %s", self.file.path, exc)
                self._on_error(exc)

    def close(self) -> None:
        """Stop the writer, save a last time; afterwards this saver never writes again."""
        self._closing.set()
        self._dirty.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self.save_now()
        with self._write_lock:
            self._closed = True

    def _loop(self) -> None:
        while True:
            self._dirty.wait()
            if self._closing.is_set():
                return
            try:
                self.save_now()
            except Exception as exc:  # a bug in a snapshot: surface it, keep the writer alive
                log.exception("The sandbox's state writer failed")
                self._on_error(exc)
            if self._closing.wait(self._interval):
                return

"""Sends AusyncLab's callbacks when jobs reach a final state, from worker threads.

A dispatcher thread wakes every ``TICK`` seconds (and at once when the clock is advanced), asks
the stores which jobs became final, and hands each callback to a small sender pool. A callback
that fails (refused, timed out, non-2xx) is recorded as not ok; it never reaches the server.
Callbacks are pending (and saved with the state) until an attempt was made, so a restarted
sandbox sends those its previous run never got to. Every POST goes through the address guard
(:mod:`lipsync_core.fetching`): a callback URL on this machine or a private network is refused
(recorded as not ok, nothing sent) unless it is this app's own receiver or a host trusted in
``LIPSYNC_FETCH_ALLOW``; a redirect answer is not followed.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from lipsync_core.fetching import FETCH_ERRORS, guarded_session, post_json
from lipsync_core.sandbox.state import PendingCallback, SandboxState

TICK = 0.05


class CallbackDispatcher:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sandbox-callbacks", daemon=True)
        self._senders = ThreadPoolExecutor(2, "sandbox-callback-send")
        state.clock.on_advance(self._wake.set)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._senders.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(TICK)
            self._wake.clear()
            try:
                due = self.state.due_callbacks(self.state.clock.now())
            except Exception as exc:
                self.state.record_error(exc)
                continue
            for callback in due:
                self._senders.submit(self._send, callback)

    def _send(self, callback: PendingCallback) -> None:
        payload = self.state.callback_payload(callback)
        timeout = self.state.config.callback_timeout_seconds
        with guarded_session() as session:
            try:
                with post_json(session, callback.url, payload, timeout=timeout) as response:
                    ok = 200 <= response.status_code < 300
            except FETCH_ERRORS:
                ok = False
        self.state.callback_done(callback, payload, ok)

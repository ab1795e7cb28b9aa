"""``SandboxServer``: the emulator on a real port of 127.0.0.1, in a background thread.

Like pytest-httpserver: start once, ``reset()`` between tests, and read ``errors`` to fail a
test on anything raised inside the server's threads instead of losing it in a log.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from lipsync_core.address_guard import add_own_service, remove_own_service
from lipsync_core.sandbox.app import create_app
from lipsync_core.sandbox.callbacks import CallbackDispatcher
from lipsync_core.sandbox.config import BASE_PATHS, SandboxConfig
from lipsync_core.sandbox.faults import Fault, FaultKind
from lipsync_core.sandbox.middleware import TRANSPORT_EXTENSION
from lipsync_core.sandbox.state import Clock, RequestRecord, SandboxState

START_TIMEOUT = 10.0


class SandboxH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, handing each request its TCP transport (for drop_connection)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _no_delay(transport)
        app = self.app

        async def app_with_transport(scope: Any, receive: Any, send: Any) -> None:
            scope["extensions"] = {**scope.get("extensions", {}), TRANSPORT_EXTENSION: transport}
            await app(scope, receive, send)

        self.app = app_with_transport


def _no_delay(transport: asyncio.Transport) -> None:
    """Send small answers at once: uvicorn writes headers and body separately, and Nagle's
    algorithm plus the client's delayed ACK would hold each answer back by ~40 ms."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class SandboxServer:
    """All three emulated APIs on one port; see ``base_urls`` for what each client takes."""

    def __init__(
        self, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.port = port
        state_file = self.config.state_file
        configured = self.config.data_dir or (state_file.parent if state_file else None)
        self._own_data_dir = configured is None
        data_dir = configured or Path(tempfile.mkdtemp(prefix="lipsync-sandbox-"))
        self.data_dir = Path(data_dir)
        # A server never stopped (a dashboard's for its lifetime) still removes its temp folder;
        # a configured data folder is never deleted (a state file may name its files).
        self._cleanup = (
            weakref.finalize(self, shutil.rmtree, self.data_dir, ignore_errors=True)
            if self._own_data_dir
            else None
        )
        self.state = SandboxState(self.config, self.data_dir)
        # The final save of the state file, also at interpreter exit for a server never stopped.
        self._final_save = weakref.finalize(self, self.state.close)
        self._dispatcher = CallbackDispatcher(self.state)
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._trusted: tuple[str, int] | None = None  # this server's address, in the guard

    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already started")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        app = create_app(self.state)  # registers the stores a restore fills
        self.state.restore()
        sock = _bound_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.state.base_url = f"http://{_url_host(self.host)}:{self.port}"
        config = uvicorn.Config(
            app,
            http=SandboxH11Protocol,
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name="sandbox-http", daemon=True
        )
        self._thread.start()
        self._wait_started()
        self._trusted = (_url_host(self.host), self.port)
        add_own_service(*self._trusted)  # its own links (outputs, thumbnails) may be fetched
        self._dispatcher.start()

    def stop(self) -> None:
        """Stop serving, finish the running renders, save the state a last time, and delete
        the data folder if it was a temp one. Queued renders and unsent callbacks stay in the
        state file: a server started on it later runs and sends them."""
        if self._uvicorn is not None and self._thread is not None:
            self._uvicorn.should_exit = True
            self._thread.join(timeout=10)
        if self._trusted is not None:
            remove_own_service(*self._trusted)
            self._trusted = None
        self._dispatcher.stop()
        self.state.shutdown()
        self._final_save()
        if self._cleanup is not None:
            self._cleanup()

    def reset(self) -> None:
        """Forget every job, fault, logged request, error and sent callback; keep serving."""
        self.state.reset()

    def save_state(self) -> None:
        """Write the state file now, rather than within ``SAVE_INTERVAL`` (no-op without one)."""
        self.state.save()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every background render has finished (then only the clock holds jobs)."""
        return self.state.wait_idle(timeout)

    @property
    def base_url(self) -> str:
        return self.state.base_url

    @property
    def base_urls(self) -> dict[str, str]:
        return {name: self.base_url + path for name, path in BASE_PATHS.items()}

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def errors(self) -> list[BaseException]:
        with self.state.lock:
            return list(self.state.errors)

    @property
    def callbacks_sent(self) -> list[tuple[str, dict[str, Any], bool]]:
        with self.state.lock:
            return list(self.state.callbacks_sent)

    def add_fault(
        self,
        provider: str | None,
        method: str,
        path_regex: str,
        kind: FaultKind | str,
        *,
        count: int = 1,
        latency: float = 0.0,
        retry_after: float | None = None,
    ) -> Fault:
        """Answer the next ``count`` matching requests with ``kind`` (see ``faults.py``)."""
        fault = Fault(provider, method, path_regex, FaultKind(kind), count, latency, retry_after)
        return self.state.faults.add(fault)

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def requests(self, provider: str | None = None) -> list[RequestRecord]:
        with self.state.lock:
            return [r for r in self.state.request_log if provider in (None, r.provider)]

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self, sock: socket.socket) -> None:
        assert self._uvicorn is not None
        try:
            self._uvicorn.run(sockets=[sock])
        except BaseException as exc:
            self.state.record_error(exc)
            raise
        finally:
            sock.close()

    def _wait_started(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        assert self._uvicorn is not None and self._thread is not None
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox server did not start: {self.errors or 'timeout'}")
            time.sleep(0.01)


def _bound_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _url_host(host: str) -> str:
    """The address clients use: a wildcard bind is reached through loopback."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host

"""One sandbox per data directory, shared by every process that uses that directory.

Dashboards and workers on one data directory must not each start a sandbox on its state file
(each would overwrite the other's state, and a job made at one would be unknown at the other).
The first process starts the sandbox and writes where it listens to ``<folder>/server.json``;
the others find it there and use it. A file lock (``<folder>/server.lock``) makes "find or
start" one step. When the process that runs it stops or dies, the next process to notice (each
checks every few seconds) starts it again on the same port, from the same state file, so the
base URLs every client holds stay right.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from lipsync_core.address_guard import add_own_service, remove_own_service
from lipsync_core.sandbox.config import BASE_PATHS, SandboxConfig
from lipsync_core.sandbox.server import SandboxServer

logger = logging.getLogger(__name__)

CHECK_EVERY = 3.0
HEALTH_TIMEOUT = 2.0


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


class SharedSandbox:
    """The data directory's sandbox as this process sees it: its base URLs, and the server
    itself when this process runs it (``server``; ``None`` when another process does)."""

    def __init__(self, config: SandboxConfig, folder: Path) -> None:
        if config.state_file is None:
            raise ValueError("a shared sandbox keeps its state in a file")
        self.config = config
        self.folder = folder
        self.server: SandboxServer | None = None
        self.address: Address | None = None
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    @property
    def base_urls(self) -> dict[str, str]:
        if self.address is None:
            raise RuntimeError("the shared sandbox is not started")
        return {name: self.address.base_url + path for name, path in BASE_PATHS.items()}

    @property
    def host_port(self) -> str:
        assert self.address is not None
        return f"{self.address.host}:{self.address.port}"

    def start(self) -> SharedSandbox:
        """Find the running sandbox, or start it; then keep checking that one runs."""
        self.ensure()
        self._keeper = threading.Thread(target=self._keep, name="sandbox-keeper", daemon=True)
        self._keeper.start()
        return self

    def stop(self) -> None:
        """Stop checking, and stop the sandbox if this process runs it (another takes over)."""
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=HEALTH_TIMEOUT + CHECK_EVERY)
        with self._locked():
            server, self.server = self.server, None
            if server is not None:
                server.stop()
        if self.address is not None:
            remove_own_service(self.address.host, self.address.port)

    def ensure(self) -> None:
        """Make sure the data directory's sandbox answers; start it here if none does."""
        with self._locked():
            found = self._recorded()
            if found is not None and self._answers(found):
                self._use(found)
                return
            self._serve(found)

    def _serve(self, previous: Address | None) -> None:
        """Start the sandbox in this process, on the port it had (its clients keep their URLs)."""
        server = None
        if previous is not None and _port_free(previous):
            try:
                server = SandboxServer(self.config, host=previous.host, port=previous.port).start()
            except (OSError, RuntimeError):
                logger.warning("sandbox port %s is taken; starting on another", previous.port)
        if server is None:
            server = SandboxServer(self.config).start()
        self.server = server
        self._use(Address(server.host, server.port))
        record = {"pid": os.getpid(), "host": server.host, "port": server.port}
        part = self.folder / f"server.json.{os.getpid()}.part"
        part.write_text(json.dumps(record))
        part.replace(self.folder / "server.json")
        logger.info("sandbox started for %s on %s", self.folder, self.address.base_url)

    def _use(self, address: Address) -> None:
        """Talk to the sandbox at ``address``; the address guard lets this process reach it."""
        if self.address is not None and self.address != address:
            remove_own_service(self.address.host, self.address.port)
        self.address = address
        add_own_service(address.host, address.port)

    def _keep(self) -> None:
        while not self._stop.wait(CHECK_EVERY):
            if self.server is not None or (self.address and self._answers(self.address)):
                continue
            try:
                self.ensure()
            except Exception:
                logger.exception("the shared sandbox could not be started again")

    def _recorded(self) -> Address | None:
        try:
            record = json.loads((self.folder / "server.json").read_text())
            return Address(str(record["host"]), int(record["port"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _answers(self, address: Address) -> bool:
        """Whether the sandbox of *this* data directory answers at ``address``."""
        try:
            answer = requests.get(f"{address.base_url}/_sandbox/health", timeout=HEALTH_TIMEOUT)
            state_file = answer.json().get("state_file") if answer.ok else None
        except (requests.RequestException, ValueError, AttributeError):
            return False
        assert self.config.state_file is not None
        return state_file == str(self.config.state_file.resolve())

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "server.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _port_free(address: Address) -> bool:
    """Whether nothing listens on ``address`` now (a stopped sandbox's port, usually)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the sandbox binds it
    try:
        probe.bind((address.host, address.port))
        probe.listen()
    except OSError:
        return False
    finally:
        probe.close()
    return True

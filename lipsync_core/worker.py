"""``python -m lipsync_core.worker``: a deployment's background work, without any page.

It runs what a dashboard process runs beside its pages — the refresher (status rounds, result
downloads), the receiver (uploads for providers, AusyncLab callbacks) and, when a provider is on
the sandbox, the data directory's shared sandbox — against ``LIPSYNC_DATABASE_URL`` and
``LIPSYNC_DATA_DIR``. Any number of workers and dashboards share one database and one data
directory: database leases decide which process checks a job or copies a result, so each
running job is asked about once per interval in total, and each result is copied once.

:func:`start_services` builds those services; the dashboard builds its own through it too.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from lipsync_core.callback_secret import server_secret
from lipsync_core.config import Connection, Settings, load_settings
from lipsync_core.errors import ConfigurationError, LipsyncError
from lipsync_core.flows.clients import Client, client_factories
from lipsync_core.flows.sources import uploads_dir
from lipsync_core.i18n import _
from lipsync_core.jobs import JobService
from lipsync_core.receiver import CALLBACK_PATH, Receiver
from lipsync_core.refresher import Refresher, shared_refresher, stop_shared_refresher
from lipsync_core.sandbox import SandboxConfig
from lipsync_core.sandbox.shared import SharedSandbox

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """What one process runs for a deployment; :meth:`stop` ends all of it, once."""

    settings: Settings
    sandbox: SharedSandbox | None
    service: JobService
    refresher: Refresher
    receiver: Receiver | None
    clients: dict[str, Callable[[], Client]]
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        stop_shared_refresher()
        self.refresher.stop()
        if self.receiver is not None:
            self.receiver.stop()
        if self.sandbox is not None:
            self.sandbox.stop()
        self.service.close()


def start_services(settings: Settings) -> Services:
    """Start what the settings ask for: the shared sandbox (if a provider uses it), the job
    service over the database, the receiver (unless ``LIPSYNC_RECEIVER_PORT=off``) and the
    process's refresher."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sandbox = None
    if settings.sandboxed_providers():
        sandbox = SharedSandbox(sandbox_config(settings), settings.data_dir / "sandbox").start()
    urls = sandbox.base_urls if sandbox else None
    try:
        service = JobService.from_settings(settings, sandbox_base_urls=urls)
        receiver = start_receiver(settings, service)
    except BaseException:
        if sandbox is not None:
            sandbox.stop()
        raise
    service.callback_url = callback_url(settings, receiver)
    clients = client_factories(settings, sandbox_base_urls=urls)
    refresher = shared_refresher(service)
    return Services(settings, sandbox, service, refresher, receiver, clients)


def sandbox_config(settings: Settings) -> SandboxConfig:
    """The sandbox keeps its jobs in a state file, so a restarted process finds them again."""
    folder = settings.data_dir / "sandbox"
    return SandboxConfig(
        job_seconds=settings.sandbox_job_seconds, data_dir=folder, state_file=folder / "state.json"
    )


def start_receiver(settings: Settings, service: JobService) -> Receiver | None:
    """The receiver on ``LIPSYNC_RECEIVER_PORT`` (default 8502), or none when it is ``off``.

    Providers reach it through ``LIPSYNC_PUBLIC_BASE_URL``; with that set, a busy port is an
    error (silently serving elsewhere would leave providers talking to nobody, or to another
    program). Without it, only this computer's sandbox calls back, and any free port will do.
    Callback tokens use the server secret kept in the data directory, shared by every process.
    """
    port = settings.receiver_port
    if port is None:
        return None
    uploads = uploads_dir(settings)
    secret = partial(server_secret, settings.data_dir)
    secret()
    try:
        return Receiver(uploads, service.record_callback, secret, port=port).start()
    except OSError as exc:
        if settings.public_base_url:
            raise ConfigurationError(
                _(
                    "The receiver cannot listen on port {port} (it is busy), yet "
                    "LIPSYNC_PUBLIC_BASE_URL sends providers there. If another dashboard or "
                    "worker on this computer already serves it, set LIPSYNC_RECEIVER_PORT=off for "
                    "this one; otherwise free the port or choose another."
                ).format(port=port)
            ) from exc
        logger.warning("Port %s is busy; the upload and callback receiver uses another.", port)
        return Receiver(uploads, service.record_callback, secret, port=0).start()


def callback_url(settings: Settings, receiver: Receiver | None) -> str | None:
    """Where AusyncLab can reach a receiver: loopback for the sandbox, else the public URL.

    This is the base of every job's own callback address (``<base>/<job id>/<token>``).
    """
    connection = settings.connection("ausynclab")
    if connection is Connection.SANDBOX:
        return receiver.callback_url if receiver is not None else None
    if connection is Connection.LIVE and settings.public_base_url:
        return settings.public_base_url + CALLBACK_PATH
    return None


def describe(services: Services) -> list[str]:
    """What a started process says about itself (never a key)."""
    settings = services.settings
    lines = [f"data directory {settings.data_dir}", f"history {services.service.store!r}"]
    if services.receiver is not None:
        lines.append(f"receiver {services.receiver.base_url}")
    if services.sandbox is not None:
        runs = "runs here" if services.sandbox.server is not None else "run by another process"
        lines.append(f"sandbox {services.sandbox.address.base_url} ({runs})")  # type: ignore[union-attr]
    for provider in ("ausynclab", "kling", "twinsync"):
        lines.append(f"{provider} {settings.connection(provider).value}")
    return lines


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m lipsync_core.worker",
        description="Check jobs, copy results and take callbacks in the background, without "
        "pages, against LIPSYNC_DATABASE_URL and LIPSYNC_DATA_DIR.",
    ).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        services = start_services(load_settings())
    except LipsyncError as exc:
        print(f"The worker did not start: {exc}", flush=True)
        return 2
    for line in describe(services):
        print(line, flush=True)
    print("worker running", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    services.stop()
    print("worker stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Process-wide resources of the dashboard, built once and shared by every browser session.

The settings, the embedded sandbox (started only when some provider has no key, or
``LIPSYNC_SANDBOX=on``), the receiver that serves uploads and takes AusyncLab callbacks, the job
service and its one background refresher. The sandbox is started here, in the UI layer, because
the core never imports it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import streamlit as st

from lipsync_core.callback_secret import server_secret
from lipsync_core.config import PROVIDERS, Connection, Settings, load_settings
from lipsync_core.errors import LipsyncError
from lipsync_core.flows.clients import Client, client_factories
from lipsync_core.flows.sources import uploads_dir
from lipsync_core.jobs import JobService
from lipsync_core.receiver import CALLBACK_PATH, Receiver
from lipsync_core.refresher import Refresher, shared_refresher
from lipsync_core.sandbox import SandboxConfig, SandboxServer
from ui.plain import plain

logger = logging.getLogger(__name__)

DEFAULT_SANDBOX_JOB_SECONDS = 8.0
DEFAULT_RECEIVER_PORT = 8502


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sandbox: SandboxServer | None
    service: JobService
    refresher: Refresher
    receiver: Receiver
    clients: dict[str, Callable[[], Client]]

    def connection(self, provider: str) -> Connection:
        return self.settings.connection(provider)

    def available_providers(self) -> list[str]:
        """Providers a user can send jobs to (Live or Sandbox), in display order."""
        return [p for p in PROVIDERS if self.connection(p) is not Connection.OFF]

    def client(self, provider: str) -> Client | None:
        """A new client for the provider's current connection (Live or Sandbox), or None."""
        factory = self.clients.get(provider)
        return factory() if factory else None


def _sandbox_config(settings: Settings) -> SandboxConfig:
    """The sandbox keeps its jobs in a state file, so a restarted dashboard finds them again."""
    seconds = float(os.environ.get("LIPSYNC_SANDBOX_JOB_SECONDS", DEFAULT_SANDBOX_JOB_SECONDS))
    data_dir = settings.data_dir / "sandbox"
    return SandboxConfig(job_seconds=seconds, data_dir=data_dir, state_file=data_dir / "state.json")


def build_runtime(settings: Settings) -> Runtime:
    """Start what the settings ask for; used by ``get_runtime`` and by scripts and tests."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sandbox = None
    if settings.sandboxed_providers():
        sandbox = SandboxServer(_sandbox_config(settings)).start()
    urls = sandbox.base_urls if sandbox else None
    service = JobService.from_settings(settings, sandbox_base_urls=urls)
    receiver = _start_receiver(settings, service)
    service.callback_url = _callback_url(settings, receiver)
    clients = client_factories(settings, sandbox_base_urls=urls)
    return Runtime(settings, sandbox, service, shared_refresher(service), receiver, clients)


def _start_receiver(settings: Settings, service: JobService) -> Receiver:
    """On ``LIPSYNC_RECEIVER_PORT`` (default 8502, the port to expose publicly), else any port.

    Callback tokens are checked against the server secret kept in the data directory, the same
    one every process sharing that directory gives AusyncLab its callback addresses with.
    """
    port = int(os.environ.get("LIPSYNC_RECEIVER_PORT", DEFAULT_RECEIVER_PORT))
    uploads = uploads_dir(settings)
    secret = partial(server_secret, settings.data_dir)
    secret()
    try:
        return Receiver(uploads, service.record_callback, secret, port=port).start()
    except OSError:
        logger.warning("Port %s is busy; the upload and callback receiver uses another.", port)
        return Receiver(uploads, service.record_callback, secret, port=0).start()


def _callback_url(settings: Settings, receiver: Receiver) -> str | None:
    """Where AusyncLab can reach the receiver: loopback for the sandbox, else the public URL.

    This is the base of every job's own callback address (``<base>/<job id>/<token>``).
    """
    connection = settings.connection("ausynclab")
    if connection is Connection.SANDBOX:
        return receiver.callback_url
    if connection is Connection.LIVE and settings.public_base_url:
        return settings.public_base_url + CALLBACK_PATH
    return None


@st.cache_resource(show_spinner="Starting the dashboard…")
def get_runtime() -> Runtime:
    return build_runtime(load_settings())


def runtime_or_stop() -> Runtime:
    """The runtime, or a plain message and a stopped page when a setting is wrong."""
    try:
        return get_runtime()
    except LipsyncError as exc:
        st.error(plain(exc))
        st.stop()
        raise

"""Process-wide resources of the dashboard, built once and shared by every browser session.

The core's :func:`~lipsync_core.worker.start_services` builds them, as it does for a worker: the
data directory's shared sandbox (only when some provider has no key, or ``LIPSYNC_SANDBOX=on``),
the receiver that serves uploads and takes AusyncLab callbacks, the job service and the process's
background refresher. ``python -m ui.serve`` (what ``make run`` runs) starts them before the first
page is opened, so jobs keep being followed while nobody looks; a bare ``streamlit run app.py``
starts them on the first page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from lipsync_core.config import PROVIDERS, Connection, Settings, load_settings
from lipsync_core.errors import LipsyncError
from lipsync_core.flows.clients import Client
from lipsync_core.i18n import _
from lipsync_core.jobs import JobService
from lipsync_core.receiver import Receiver
from lipsync_core.refresher import Refresher
from lipsync_core.sandbox import SandboxServer
from lipsync_core.worker import Services, start_services
from ui.plain import plain

# Services started by ``python -m ui.serve`` before Streamlit, for the first page to take over.
_started: Services | None = None


@dataclass(frozen=True)
class Runtime:
    """The dashboard's view of its process's services."""

    services: Services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def service(self) -> JobService:
        return self.services.service

    @property
    def refresher(self) -> Refresher:
        return self.services.refresher

    @property
    def receiver(self) -> Receiver | None:
        return self.services.receiver

    @property
    def clients(self) -> dict[str, Callable[[], Client]]:
        return self.services.clients

    @property
    def sandbox(self) -> SandboxServer | None:
        """The sandbox server, when this process runs it (tests steer it through this)."""
        shared = self.services.sandbox
        return shared.server if shared is not None else None

    @property
    def sandbox_urls(self) -> dict[str, str] | None:
        """Each sandboxed provider's base URL, whichever process runs the sandbox."""
        shared = self.services.sandbox
        return shared.base_urls if shared is not None else None

    @property
    def uses_sandbox(self) -> bool:
        return self.services.sandbox is not None

    def connection(self, provider: str) -> Connection:
        return self.settings.connection(provider)

    def available_providers(self) -> list[str]:
        """Providers a user can send jobs to (Live or Sandbox), in display order."""
        return [p for p in PROVIDERS if self.connection(p) is not Connection.OFF]

    def client(self, provider: str) -> Client | None:
        """A new client for the provider's current connection (Live or Sandbox), or None."""
        factory = self.clients.get(provider)
        return factory() if factory else None

    def stop(self) -> None:
        self.services.stop()


def build_runtime(settings: Settings) -> Runtime:
    """Start what the settings ask for; used by ``get_runtime`` and by scripts and tests."""
    return Runtime(start_services(settings))


def start_before_pages() -> Runtime:
    """Start the services now, for the first page to take over (``python -m ui.serve``)."""
    global _started
    runtime = build_runtime(load_settings())
    _started = runtime.services
    return runtime


def get_runtime() -> Runtime:
    """The process's runtime, shared by every session; the first page starts it, with a spinner
    in its reader's language."""
    with st.spinner(_("Starting the dashboard…")):
        return _shared_runtime()


@st.cache_resource(show_spinner=False)
def _shared_runtime() -> Runtime:
    global _started
    started, _started = _started, None
    return Runtime(started) if started is not None else build_runtime(load_settings())


def runtime_or_stop() -> Runtime:
    """The runtime, or a plain message and a stopped page when a setting is wrong."""
    try:
        return get_runtime()
    except LipsyncError as exc:
        st.error(plain(exc))
        st.stop()
        raise

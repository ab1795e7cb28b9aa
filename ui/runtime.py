"""Process-wide resources of the dashboard, built once and shared by every browser session.

The settings, the embedded sandbox (started only when some provider has no key, or
``LIPSYNC_SANDBOX=on``), the job service and its one background refresher. The sandbox is
started here, in the UI layer, because the core never imports it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from lipsync_core.config import PROVIDERS, Connection, Settings, load_settings
from lipsync_core.errors import LipsyncError
from lipsync_core.jobs import JobService
from lipsync_core.refresher import Refresher, shared_refresher
from lipsync_core.sandbox import SandboxConfig, SandboxServer

DEFAULT_SANDBOX_JOB_SECONDS = 8.0


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sandbox: SandboxServer | None
    service: JobService
    refresher: Refresher

    def connection(self, provider: str) -> Connection:
        return self.settings.connection(provider)

    def available_providers(self) -> list[str]:
        """Providers a user can send jobs to (Live or Sandbox), in display order."""
        return [p for p in PROVIDERS if self.connection(p) is not Connection.OFF]


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
    return Runtime(settings, sandbox, service, shared_refresher(service))


@st.cache_resource(show_spinner="Starting the dashboard…")
def get_runtime() -> Runtime:
    return build_runtime(load_settings())


def runtime_or_stop() -> Runtime:
    """The runtime, or a plain message and a stopped page when a setting is wrong."""
    try:
        return get_runtime()
    except LipsyncError as exc:
        st.error(str(exc))
        st.stop()
        raise

"""The sidebar: each provider's connection in plain words, and the sandbox badge."""

from __future__ import annotations

import streamlit as st

from lipsync_core.config import PROVIDERS, Connection
from lipsync_core.errors import provider_display_name
from ui.runtime import Runtime

CONNECTION_WORDS = {
    Connection.LIVE: ("🟢", "Live", "API key set: jobs are real and cost money."),
    Connection.SANDBOX: ("🟡", "Sandbox", "No key: emulated locally, free, no real lip movement."),
    Connection.OFF: ("⚪", "Off", "No key and the sandbox is turned off."),
}


def render_sidebar(runtime: Runtime) -> None:
    with st.sidebar:
        st.subheader("Connections")
        for provider in PROVIDERS:
            icon, word, help_text = CONNECTION_WORDS[runtime.connection(provider)]
            st.markdown(f"{icon} **{provider_display_name(provider)}**: {word}", help=help_text)
        if runtime.uses_sandbox:
            st.info(
                "**Sandbox mode** for the providers marked Sandbox: jobs run on a local "
                "emulator. Outputs are real videos, but no lip movement is generated.",
                icon="🧪",
            )

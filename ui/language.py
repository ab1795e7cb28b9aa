"""The language a person reads the dashboard in: their choice in the sidebar, else their
browser's (``st.context.locale``), else the deployment's default (``LIPSYNC_LANGUAGE``).

The choice lives in the person's session; :func:`apply_language` settles the language at the top
of every run and the core's :func:`~lipsync_core.i18n._` reads it from the session, so a
fragment's own rerun and a dialog speak it too.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lipsync_core.config import default_language
from lipsync_core.errors import ConfigurationError
from lipsync_core.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    _,
    normalize_language,
    set_language_source,
)
from ui import keys


def apply_language() -> str:
    """Settle this run's language and make every message answer in it."""
    set_language_source(_session_language)
    chosen = st.session_state.get(keys.LANGUAGE_CHOSEN)
    language = chosen or normalize_language(st.context.locale) or _deployment_default()
    st.session_state[keys.LANGUAGE] = language
    return language


def render_language_picker() -> None:
    """The sidebar's language switch, each language named in itself."""
    current = st.session_state.get(keys.LANGUAGE, DEFAULT_LANGUAGE)
    st.session_state[keys.LANGUAGE_PICKER] = current
    st.selectbox(
        _("Language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=keys.LANGUAGE_PICKER,
        on_change=_choose,
    )


def _choose() -> None:
    chosen = st.session_state[keys.LANGUAGE_PICKER]
    st.session_state[keys.LANGUAGE_CHOSEN] = chosen
    st.session_state[keys.LANGUAGE] = chosen


def _session_language() -> str | None:
    """The language of the session whose script is running here (none in background work)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(keys.LANGUAGE)


def _deployment_default() -> str:
    try:
        return default_language()
    except ConfigurationError:
        return DEFAULT_LANGUAGE

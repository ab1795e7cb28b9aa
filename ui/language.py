"""The language a person reads the dashboard in: their choice in the sidebar (kept for them in
the team's database when they are signed in), else their browser's (``st.context.locale``),
else the deployment's default (``LIPSYNC_LANGUAGE``).

:func:`apply_language` settles the language at the top of every run and the core's
:func:`~lipsync_core.i18n._` reads it from the session, so a fragment's own rerun and a dialog
speak it too.
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
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
from lipsync_core.preferences import Preferences
from ui import keys
from ui.people import Person

logger = logging.getLogger(__name__)


def apply_language() -> str:
    """Settle this run's language and make every message answer in it."""
    set_language_source(_session_language)
    chosen = st.session_state.get(keys.LANGUAGE_CHOSEN)
    language = chosen or normalize_language(st.context.locale) or _deployment_default()
    st.session_state[keys.LANGUAGE] = language
    return language


def render_language_picker(preferences: Preferences, person: Person | None) -> None:
    """The sidebar's language switch, each language named in itself; a signed-in person's
    choice is remembered for them (read once per session, before anything else is drawn)."""
    if person is not None and st.session_state.get(keys.LANGUAGE_OF) != person.id:
        st.session_state[keys.LANGUAGE_OF] = person.id
        remembered = _remembered(preferences, person)
        if remembered and remembered != st.session_state.get(keys.LANGUAGE_CHOSEN):
            st.session_state[keys.LANGUAGE_CHOSEN] = remembered
            st.rerun()
    st.session_state[keys.LANGUAGE_PICKER] = st.session_state.get(keys.LANGUAGE, DEFAULT_LANGUAGE)
    st.selectbox(
        _("Language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=keys.LANGUAGE_PICKER,
        on_change=_choose,
        args=(preferences, person),
        help=_("Kept for you on every computer while you are signed in.") if person else None,
    )


def _choose(preferences: Preferences, person: Person | None) -> None:
    chosen = st.session_state[keys.LANGUAGE_PICKER]
    st.session_state[keys.LANGUAGE_CHOSEN] = chosen
    st.session_state[keys.LANGUAGE] = chosen
    if person is None:
        return
    try:
        preferences.set_language(person.id, chosen)
    except SQLAlchemyError:
        logger.warning("The language chosen could not be saved; it holds for this session.")


def _remembered(preferences: Preferences, person: Person) -> str | None:
    try:
        return preferences.language(person.id)
    except SQLAlchemyError:
        logger.warning("The language chosen earlier could not be read; using the browser's.")
        return None


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

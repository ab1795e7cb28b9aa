"""The library forms' widget keys, renewed after a success so the form is empty again.

A file uploader cannot be emptied through the session state; giving its form's widgets new keys
can. Until a form's first success its keys are the plain ones of :mod:`ui.keys`.
"""

from __future__ import annotations

from typing import Any, Literal

import streamlit as st

from ui import keys

Form = Literal["register", "generate"]


def field(form: Form, key: str) -> str:
    """The current key of the ``form`` widget whose plain key is ``key``."""
    rounds: dict[str, int] = st.session_state.get(keys.LIBRARY_FORM_ROUND, {})
    done = rounds.get(form, 0)
    return key if done == 0 else f"{key}_{done}"


def value(form: Form, key: str) -> Any:
    """What the ``form`` widget whose plain key is ``key`` holds now."""
    return st.session_state.get(field(form, key))


def empty(form: Form) -> None:
    """Empty ``form``: its widgets come back with new keys, and no value."""
    rounds: dict[str, int] = st.session_state.setdefault(keys.LIBRARY_FORM_ROUND, {})
    rounds[form] = rounds.get(form, 0) + 1

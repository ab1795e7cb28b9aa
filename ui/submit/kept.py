"""Choices on Submit that outlive a visit to another page.

Streamlit forgets a widget's value once a run draws a page without it, so coming back to Submit
would untick every provider. Each such widget has a plain session key beside its own
(:func:`ui.keys.kept`), which no page switch clears: the widget is filled from it when Streamlit
has forgotten the widget, and it follows the widget on every run.
"""

from __future__ import annotations

from typing import TypeVar

import streamlit as st

from ui import keys

T = TypeVar("T")


def restore(widget_key: str, default: T) -> None:
    """Before drawing the widget: give it back its last value if Streamlit dropped it."""
    if widget_key not in st.session_state:
        st.session_state[widget_key] = st.session_state.get(keys.kept(widget_key), default)


def remember(widget_key: str, value: T) -> T:
    """After drawing the widget: keep its value for the next visit; returns it."""
    st.session_state[keys.kept(widget_key)] = value
    return value

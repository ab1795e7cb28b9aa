"""One click to compare: the shipped sample media, every available provider/model ticked, and
the cost dialog asking before anything is sent (the same cost check as every send,
:mod:`ui.spend`)."""

from __future__ import annotations

import streamlit as st

from lipsync_core.i18n import _
from ui import keys
from ui.runtime import Runtime
from ui.submit.media import use_samples
from ui.submit.options import all_targets

ASK, SEND = "ask", "send"  # what the send button does on this run without a click


def render_compare_everything(runtime: Runtime) -> None:
    """The button; the page then shows the filled form and the cost dialog."""
    st.button(
        _("Compare every provider on the sample"), key=keys.SUBMIT_COMPARE_ALL, type="primary",
        icon=":material/compare:", on_click=compare_everything, args=(runtime,),
        help=_("Fills the form with the sample video and audio, ticks every provider and model, "
        "and shows the total cost before anything is sent."),
    )  # fmt: skip


def compare_everything(runtime: Runtime) -> None:
    """Button callback: samples, every provider/model ticked, the cost asked on this run."""
    use_samples(runtime)
    for target in all_targets(runtime):
        st.session_state[keys.submit_target(*target)] = True
    st.session_state[keys.SUBMIT_ASK_NOW] = ASK


def send_again() -> None:
    """Button callback of "Send the same again as new jobs": send it (or ask) on this run."""
    st.session_state[keys.SUBMIT_ASK_NOW] = SEND


def asked_now() -> str | None:
    """``ASK`` or ``SEND`` once after one of the buttons above, else ``None``."""
    return st.session_state.pop(keys.SUBMIT_ASK_NOW, None)

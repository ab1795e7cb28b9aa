"""The library's two forms: register a new video, and generate lip-sync from a registered one."""

from __future__ import annotations

import streamlit as st

from lipsync_core.i18n import _
from lipsync_core.providers.ausynclab import AusyncLabClient, AusyncLabState, RegisteredVideo
from ui import keys
from ui.library.actions import generate_from, register_new
from ui.library.fields import field
from ui.library.table import title
from ui.plain import plain
from ui.runtime import Runtime
from ui.uploads import AUDIO_TYPES, VIDEO_TYPES


def register_form(runtime: Runtime, client: AusyncLabClient) -> None:
    """Register a source video for Prime, from a link or a file on this computer."""
    panel = st.expander(
        _("➕ Register a new video"), key=keys.LIBRARY_REGISTER_PANEL, on_change="rerun"
    )
    with panel, st.form("library_register_form"):
        st.text_input(
            _("Link to the video"),
            key=field("register", keys.LIBRARY_NEW_URL),
            placeholder="https://example.com/person-talking.mp4",
        )
        st.file_uploader(
            _("…or a video file"), type=VIDEO_TYPES, key=field("register", keys.LIBRARY_NEW_FILE)
        )
        st.checkbox(
            _("…or the sample video (a person talking for 5 seconds)"),
            key=field("register", keys.LIBRARY_NEW_SAMPLE),
        )
        st.text_input(
            _("Name (optional)"), key=field("register", keys.LIBRARY_NEW_NAME), max_chars=120
        )
        st.form_submit_button(
            _("Register video"),
            key=keys.LIBRARY_NEW_SUBMIT,
            on_click=register_new,
            args=(runtime, client),
            type="primary",
        )


def generate_form(runtime: Runtime, video: RegisteredVideo) -> None:
    """Generate with Prime from a COMPLETED registered video; the job is tracked like any other."""
    if video.state is not AusyncLabState.COMPLETED:
        st.caption(
            _(
                "Lip-sync can be generated from {title} once its state is COMPLETED (now {state})."
            ).format(title=plain(title(video)), state=video.state.value)
        )
        return
    with st.form("library_generate_form"):
        st.markdown(
            _("**Generate lip-sync from {title}** (model Prime)").format(title=plain(title(video)))
        )
        st.text_input(
            _("Link to the audio"),
            key=field("generate", keys.LIBRARY_AUDIO_URL),
            placeholder="https://…/speech.mp3",
        )
        st.file_uploader(
            _("…or an audio file"), type=AUDIO_TYPES, key=field("generate", keys.LIBRARY_AUDIO_FILE)
        )
        st.text_input(
            _("Name (optional)"),
            key=field("generate", keys.LIBRARY_GENERATE_NAME),
            max_chars=120,
        )
        st.form_submit_button(
            _("Generate lip-sync"),
            key=keys.LIBRARY_GENERATE_SUBMIT,
            on_click=generate_from,
            args=(runtime, video.id, video.name),
            type="primary",
        )

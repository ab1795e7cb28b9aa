"""Lipsync Dashboard entry point: ``streamlit run app.py``."""

import streamlit as st

from ui.runtime import runtime_or_stop
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Lipsync Dashboard", page_icon="🎬", layout="wide")

runtime = runtime_or_stop()
render_sidebar(runtime)

navigation = st.navigation(
    [
        st.Page("pages/submit.py", title="Submit", icon=":material/upload:", default=True),
        st.Page("pages/status.py", title="Status", icon=":material/view_agenda:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
        st.Page(
            "pages/ausynclab_library.py", title="AusyncLab library", icon=":material/video_library:"
        ),
    ]
)
navigation.run()

"""Lipsync Dashboard entry point: ``streamlit run app.py``.

Page files are named ``pages/<name>_page.py`` and served at ``/<name>``. The names differ on
purpose: until this script has run once, Streamlit serves a URL that matches a file in
``pages/`` by running that file alone (its older pages-folder mode), which would show a
bookmarked page without this frame. A URL that matches no file falls through to this script.

The pages are listed in ``ui/navigation.py``. Who may see any page is decided first
(``ui.access``): with sign-in set up, a signed-in person; without it, this computer only.
"""

import streamlit as st

from ui.access import require_access
from ui.navigation import pages
from ui.runtime import runtime_or_stop
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Lipsync Dashboard", page_icon="🎬", layout="wide")

person = require_access()  # the sign-in screen, or this computer only: before any page
runtime = runtime_or_stop()
render_sidebar(runtime, person)
st.navigation(pages()).run()

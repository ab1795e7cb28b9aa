"""Lipsync Dashboard entry point: ``streamlit run app.py``.

Page files live in ``views/``, not ``pages/``: Streamlit treats a ``pages/`` folder as its older
pages-folder mode until this script has run once, which on a freshly started server showed the
file names in the sidebar and answered a bookmark such as ``/submit`` with "Page not found".
Every address falls through to this script, which draws the real navigation from the first paint.

The pages are listed in ``ui/navigation.py``. Who may see any page is decided first
(``ui.access``): with sign-in set up, a signed-in person; without it, this computer only.
"""

import streamlit as st

from ui.access import require_access
from ui.language import apply_language
from ui.navigation import pages
from ui.runtime import runtime_or_stop
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Lipsync Dashboard", page_icon="🎬", layout="wide")

apply_language()  # the person's language, for every word below
person = require_access()  # the sign-in screen, or this computer only: before any page
runtime = runtime_or_stop()
render_sidebar(runtime, person)
st.navigation(pages()).run()

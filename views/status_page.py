"""Status: one card per job, newest first, grouped by comparison; cards follow their jobs live."""

import streamlit as st

from lipsync_core.i18n import _
from ui.access import require_access
from ui.card_actions import render_dialogs, show_message
from ui.cards import render_cards
from ui.runtime import get_runtime
from ui.status.filters import current_page, render_filters, render_pagination
from ui.status.live import announce_finished, render_summary, watch_for_jobs
from ui.timezones import viewer_timezone

require_access()  # also when Streamlit runs this file alone
runtime = get_runtime()
st.title(_("Status"))
show_message()

if runtime.service.store.count() == 0:
    st.info(_("No jobs yet: send a video and an audio from the Submit page."))
    st.page_link("views/submit_page.py", label=_("Go to Submit"), icon=":material/upload:")
    watch_for_jobs(runtime)
    st.stop()

tz = viewer_timezone()
filters, page_size = render_filters(tz)
history = runtime.service.history(filters, page=1, page_size=page_size, by_group=True)
page = current_page(history.pages)
if page != 1:
    history = runtime.service.history(filters, page=page, page_size=page_size, by_group=True)
render_summary(runtime, filters, history)

render_dialogs(runtime)

if not history.jobs:
    st.info(_("No job matches these filters."))
    st.stop()

announce_finished(history.jobs)
render_cards(runtime, history.jobs, tz)
render_pagination(history.pages)

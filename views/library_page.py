"""AusyncLab library: the registered and generated videos of the account (or of the sandbox)."""

import streamlit as st

from lipsync_core.config import Connection
from lipsync_core.i18n import _
from ui.access import require_access
from ui.library.client import NO_KEY_HELP, ausynclab_client
from ui.library.view import render_library
from ui.runtime import runtime_or_stop

require_access()  # also when Streamlit runs this file alone
runtime = runtime_or_stop()
st.title(_("AusyncLab library"))

client = ausynclab_client(runtime)
if client is None:
    st.info(_(NO_KEY_HELP), icon="🔑")
    st.stop()

if runtime.connection("ausynclab") is Connection.SANDBOX:
    st.caption(
        _("🧪 Sandbox: these lists live on the local AusyncLab emulator, not in your account.")
    )
else:
    st.caption(_("🟢 Live: these are the videos of your AusyncLab account."))
render_library(runtime, client)

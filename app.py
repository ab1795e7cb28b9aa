"""Lipsync Dashboard entry point: ``streamlit run app.py``."""

import streamlit as st

from lipsync_core.config import PROVIDERS, load_settings
from lipsync_core.errors import LipsyncError, provider_display_name

st.set_page_config(page_title="Lipsync Dashboard", page_icon="🎬", layout="wide")
st.title("Lipsync Dashboard")
st.write("Try, compare and buy lip-sync providers: AusyncLab (Prime, Nova), Kling and TwinSync.")
try:
    settings = load_settings()
except LipsyncError as exc:
    st.error(str(exc))
    st.stop()
for provider in PROVIDERS:
    st.write(f"**{provider_display_name(provider)}**: {settings.connection(provider).value}")

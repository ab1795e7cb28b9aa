"""Page placeholder."""

import streamlit as st

st.header("ausynclab_library")

"""Page placeholder."""

import streamlit as st

st.header("submit")

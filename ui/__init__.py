"""Streamlit-side helpers shared by app.py and the pages: runtime resources, keys, widgets."""

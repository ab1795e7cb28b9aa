"""The app's pages, in one place: the navigation ``app.py`` runs, and the stand-ins the access
gate shows in their place (``ui.access``).

The gate always answers with a navigation too, so a bookmarked page's address keeps its place
on the sign-in screen instead of a "Page not found".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage


@dataclass(frozen=True)
class PageSpec:
    """One page: its file, title, icon and address (``/<url_path>``)."""

    path: str
    title: str
    icon: str
    url_path: str
    default: bool = False


PAGES = (
    PageSpec("views/submit_page.py", "Submit", ":material/upload:", "submit", default=True),
    PageSpec("views/status_page.py", "Status", ":material/view_agenda:", "status"),
    PageSpec("views/compare_page.py", "Compare", ":material/compare:", "compare"),
    PageSpec("views/library_page.py", "AusyncLab library", ":material/video_library:", "library"),
)


def pages() -> list[StreamlitPage]:
    """The app's navigation."""
    return [
        st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                default=spec.default)
        for spec in PAGES
    ]  # fmt: skip


def stand_ins(screen: Callable[[], None], title: str) -> list[StreamlitPage]:
    """A page at every page's address that draws ``screen`` instead."""
    return [
        st.Page(screen, title=title, url_path=spec.url_path, default=spec.default) for spec in PAGES
    ]

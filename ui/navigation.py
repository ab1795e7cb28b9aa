"""The app's pages, in one place: the navigation ``app.py`` runs, and the stand-ins the access
gate shows in their place (``ui.access``).

The gate always answers with a navigation too, so a bookmarked page's address keeps its place
on the sign-in screen instead of a "Page not found".

The default page (Submit) is served at ``/``: Streamlit gives a default page no address of its
own, so ``/submit`` is a hidden page that moves the visitor to ``/`` (and its own name,
``url_path``, is one nobody types). Every page's bookmark opens that page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from lipsync_core.i18n import N_, _


@dataclass(frozen=True)
class PageSpec:
    """One page: its file, title (English, marked for the catalogue: translated where the
    navigation is built, on every run), icon and address (``/<url_path>``, never translated)."""

    path: str
    title: str
    icon: str
    url_path: str
    default: bool = False


PAGES = (
    PageSpec("views/submit_page.py", N_("Submit"), ":material/upload:", "home", default=True),
    PageSpec("views/status_page.py", N_("Status"), ":material/view_agenda:", "status"),
    PageSpec("views/compare_page.py", N_("Compare"), ":material/compare:", "compare"),
    PageSpec(
        "views/library_page.py", N_("AusyncLab library"), ":material/video_library:", "library"
    ),
)

DEFAULT = next(spec for spec in PAGES if spec.default)
DEFAULT_ADDRESS = "submit"  # the address a person bookmarks for the default page


def pages() -> list[StreamlitPage]:
    """The app's navigation, and the hidden page at the default page's own address; the titles
    in the reader's language (``app.py`` builds it on every run)."""
    listed = [
        st.Page(spec.path, title=_(spec.title), icon=spec.icon, url_path=spec.url_path,
                default=spec.default)
        for spec in PAGES
    ]  # fmt: skip
    alias = st.Page(
        _to_default, title=_(DEFAULT.title), url_path=DEFAULT_ADDRESS, visibility="hidden"
    )
    return [*listed, alias]


def _to_default() -> None:
    """``/submit``: the Submit page, at its place in the navigation (``/``)."""
    st.switch_page(DEFAULT.path)


def stand_ins(screen: Callable[[], None], title: str) -> list[StreamlitPage]:
    """A page at every page's address (the default page's own address too) that draws
    ``screen`` instead."""
    listed = [
        st.Page(screen, title=title, url_path=spec.url_path, default=spec.default) for spec in PAGES
    ]
    return [*listed, st.Page(screen, title=title, url_path=DEFAULT_ADDRESS, visibility="hidden")]

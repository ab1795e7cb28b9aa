"""A link to one comparison's Side by side view: ``/compare?group=<id>``.

The Status page's group cards link here; the Compare page opens on its Side by side tab with that
comparison chosen. While the address names a group it is the one shown, and choosing another
comparison writes it into the address, so the address can always be bookmarked.
"""

from __future__ import annotations

import streamlit as st

from lipsync_core.i18n import N_, _
from ui import keys

GROUP_PARAM = "group"
COMPARE_PAGE = "views/compare_page.py"
SIDE_BY_SIDE = N_("Side by side")
"""The Compare page's tab (shown translated: ``_(SIDE_BY_SIDE)``)."""


def side_by_side_link(group_id: str, label: str | None = None) -> None:
    """A link to this comparison's Side by side view (by default: "See them side by side")."""
    st.page_link(
        COMPARE_PAGE,
        label=label or _("See them side by side"),
        icon=":material/compare:",
        query_params={GROUP_PARAM: group_id},
    )


def linked_group() -> str | None:
    """The comparison the address names, if any."""
    value = st.query_params.get(GROUP_PARAM)
    return value or None


def choose_linked(ids: list[str]) -> None:
    """Before the comparison picker: the address's comparison is the chosen one."""
    linked = linked_group()
    if linked in ids:
        st.session_state[keys.COMPARE_GROUP] = linked


def remember_choice() -> None:
    """The picker's callback: the chosen comparison goes into the address."""
    chosen = st.session_state.get(keys.COMPARE_GROUP)
    if chosen:
        st.query_params[GROUP_PARAM] = chosen

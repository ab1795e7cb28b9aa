"""The status page's filters (whose, provider, state, dates), page size and page, as a
``JobFilter``.

"Whose" (mine or everyone's) is there only with sign-in: mine are the jobs the signed-in person
sent. Dates are the viewer's: the browser's time zone when Streamlit knows it, else UTC; a date
range covers whole days, the "to" day included.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

import streamlit as st

from lipsync_core.config import PROVIDERS
from lipsync_core.errors import provider_display_name
from lipsync_core.flows.model import JobState
from lipsync_core.i18n import N_, _
from lipsync_core.store import JobFilter
from ui import keys
from ui.cards import BADGES
from ui.people import signed_in

PAGE_SIZES = (10, 25)
MINE, EVERYONE = N_("Mine"), N_("Everyone's")


def job_filter(
    providers: list[str], states: list[JobState], since: date | None, until: date | None,
    tz: tzinfo, sent_by: str | None = None,
) -> JobFilter:  # fmt: skip
    """The core's filter for what the widgets hold (``None`` for "any")."""
    return JobFilter(
        providers=providers or None,
        states=states or None,
        since=_start_of(since, tz) if since else None,
        until=_start_of(until + timedelta(days=1), tz) if until else None,
        sent_by=sent_by,
    )


def _start_of(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def render_filters(tz: tzinfo) -> tuple[JobFilter, int]:
    """The filter row; returns the filter and the page size."""
    me, whose = signed_in(), EVERYONE
    if me is not None:
        whose = st.segmented_control(
            _("Jobs"), [EVERYONE, MINE], default=EVERYONE, key=keys.STATUS_WHOSE,
            format_func=_, on_change=_first_page,
            help=_("Mine: the jobs you sent. Everyone's: the whole team's."),
        )  # fmt: skip
    columns = st.columns([3, 3, 2, 2, 1])
    providers = columns[0].multiselect(
        _("Provider"), list(PROVIDERS), format_func=provider_display_name,
        key=keys.STATUS_PROVIDERS, placeholder=_("All providers"), on_change=_first_page,
    )  # fmt: skip
    states = columns[1].multiselect(
        _("State"), [s.value for s in JobState], format_func=lambda s: _(BADGES[JobState(s)][0]),
        key=keys.STATUS_STATES, placeholder=_("All states"), on_change=_first_page,
    )  # fmt: skip
    since = columns[2].date_input(
        _("Sent from"), value=None, key=keys.STATUS_SINCE, on_change=_first_page
    )
    until = columns[3].date_input(
        _("Sent until"), value=None, key=keys.STATUS_UNTIL, on_change=_first_page
    )
    size = columns[4].selectbox(
        _("Per page"), PAGE_SIZES, key=keys.STATUS_PAGE_SIZE, on_change=_first_page,
        help=_("Comparisons and single jobs per page: a comparison is never split across pages."),
    )  # fmt: skip
    chosen = [JobState(s) for s in states]
    mine = me.id if me is not None and whose == MINE else None
    return job_filter(providers, chosen, since, until, tz, mine), size


def _first_page() -> None:
    st.session_state.pop(keys.STATUS_PAGE, None)


def current_page(pages: int) -> int:
    """The page asked for, kept within the pages there are (filters may have shrunk them)."""
    page = st.session_state.get(keys.STATUS_PAGE, 1)
    if not isinstance(page, int) or not 1 <= page <= pages:
        st.session_state[keys.STATUS_PAGE] = page = 1
    return page


def render_pagination(pages: int) -> None:
    if pages > 1:
        st.pagination(pages, key=keys.STATUS_PAGE)

"""Compare providers: prices, what the job history measured, outputs side by side, a blind test."""

import streamlit as st

from lipsync_core.i18n import _
from ui import keys
from ui.access import require_access
from ui.compare.blind import render_blind_test
from ui.compare.groups import render_groups
from ui.compare.linked import SIDE_BY_SIDE, linked_group
from ui.compare.prices import render_prices
from ui.compare.stats import WINDOWS, comparisons, period_of, render_stats
from ui.runtime import runtime_or_stop
from ui.timezones import local_time

require_access()  # also when Streamlit runs this file alone
runtime = runtime_or_stop()
st.title(_("Compare providers"))
prices, measured, side_by_side, blind = st.tabs(
    [_("Prices"), _("Measured"), _(SIDE_BY_SIDE), _("Blind test")],
    default=_(SIDE_BY_SIDE) if linked_group() else None,  # a comparison's link opens its tab
)

with prices:
    settings = render_prices(runtime)

with measured:
    window = st.selectbox(
        _("Period"), list(WINDOWS), index=1, format_func=_, key=keys.COMPARE_WINDOW
    )
    period = period_of(window)
    render_stats(runtime, period, settings)

with side_by_side:
    st.caption(
        _("Comparisons sent in the period chosen under Measured ({period}).").format(
            period=_(window).lower()
        )
    )
    render_groups(runtime, comparisons(runtime, period), local_time(st.context.timezone).zone)

with blind:
    render_blind_test(runtime)

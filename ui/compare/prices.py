"""Prices: every provider/model's published price, and its cost over 1–60 s in the currency."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd
import streamlit as st

from lipsync_core.errors import provider_display_name
from lipsync_core.i18n import N_, _
from lipsync_core.pricing import PRICES, Price, estimate, to_currency
from lipsync_core.team import TeamSettings
from ui import keys
from ui.compare.estimate import render_estimate
from ui.labels import target_label
from ui.provider_words import PTC_WORDS, model_words, price_words, source_words
from ui.runtime import Runtime
from ui.team_settings import ON_COMPARE, render_defaults, render_settings
from ui.timezones import viewer_timezone

SECONDS = range(1, 61)
UNIT_WORDS = {
    "credits": N_("AusyncLab credits"),
    "PTC": N_("PTC (302.ai's prepaid credits)"),
    "unknown": N_("not published"),
}


def target_name(provider: str, model: str) -> str:
    """The short name on the chart and its notes: ``AusyncLab Prime``, ``Kling``."""
    return target_label(provider, model)


def render_prices(runtime: Runtime) -> TeamSettings:
    """The price table, the team's rates, the chart and the estimate box; returns the team's
    settings (as saved: every page uses them)."""
    st.dataframe(price_table(PRICES.values()), hide_index=True, width="stretch")
    st.caption(
        _("{ptc}. A credit's price depends on your AusyncLab plan: set it below.").format(
            ptc=_(PTC_WORDS)
        )
    )
    st.subheader(_("In the team's currency"))
    settings = render_settings(runtime, ON_COMPARE, viewer_timezone())
    with st.expander(_("Defaults and where they come from")):
        render_defaults(ON_COMPARE)
    curve, missing = cost_curve(settings)
    title_col, scale_col = st.columns([3, 1])
    title_col.markdown(
        _("**Cost of one job by length of audio ({currency})**").format(
            currency=settings.rates.currency
        )
    )
    log = scale_col.toggle(_("Logarithmic scale"), key=keys.COMPARE_LOG_SCALE)
    if curve.empty:
        st.info(_("No price can be shown in this currency yet: set a rate above."))
    else:
        st.altair_chart(_chart(curve, settings.rates.currency, log=log), width="stretch")
    for reason in missing:
        st.caption(_("Not on the chart: {reason}").format(reason=reason))
    st.subheader(_("Estimate for my file"))
    render_estimate(settings)
    return settings


def price_table(prices: Iterable[Price]) -> pd.DataFrame:
    """One row per provider/model: what it costs, in which unit, and the document that says so."""
    return pd.DataFrame(
        [
            {
                _("Provider"): provider_display_name(price.provider),
                _("Model"): price.model,
                _("What it is"): model_words(price.provider, price.model),
                _("Price"): price_words(price),
                _("Unit"): _(UNIT_WORDS[price.unit]) if price.unit in UNIT_WORDS else price.unit,
                _("Source"): source_words(price),
            }
            for price in prices
        ]
    )


def cost_curve(
    settings: TeamSettings, seconds: Iterable[int] = SECONDS
) -> tuple[pd.DataFrame, list[str]]:
    """Cost in the currency per provider/model and audio length, and the ones left out (why)."""
    rows, missing = [], []
    lengths = list(seconds)
    for (provider, model), price in PRICES.items():
        name = target_name(provider, model)
        costs = [
            to_currency(
                estimate(
                    provider, model, s, twinsync_price_per_second=settings.twinsync_per_second
                ),
                settings.rates,
            )
            for s in lengths
        ]
        if any(cost is None for cost in costs):
            missing.append(
                _("{target} — {why}").format(target=name, why=_why_missing(price, settings))
            )
            continue
        rows += [
            {"target": name, "seconds": s, "cost": c} for s, c in zip(lengths, costs, strict=True)
        ]
    return pd.DataFrame(rows, columns=["target", "seconds", "cost"]), missing


def _why_missing(price: Price, settings: TeamSettings) -> str:
    if price.unit == "unknown":
        return _("no published price; set the TwinSync price per second above.")
    currency = settings.rates.currency
    if price.unit == "credits":
        return _("set the price of 1 AusyncLab credit in {currency} above.").format(
            currency=currency
        )
    return _("set the price of 1 {unit} in {currency} above.").format(
        unit=price.unit, currency=currency
    )


def _chart(curve: pd.DataFrame, currency: str, *, log: bool) -> alt.Chart:
    seconds = alt.Scale(domain=[1, 60])
    cost = alt.Scale(type="log") if log else alt.Scale(zero=True)
    data = curve[curve["cost"] > 0] if log else curve
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("seconds:Q", title=_("Length of the audio (seconds)"), scale=seconds),
            y=alt.Y(
                "cost:Q",
                title=_("Cost of one job ({currency})").format(currency=currency),
                scale=cost,
            ),
            color=alt.Color("target:N", title=None, legend=alt.Legend(labelLimit=0)),
            tooltip=[
                alt.Tooltip("target:N", title=_("target")),
                alt.Tooltip("seconds:Q", title=_("seconds")),
                alt.Tooltip("cost:Q", format=",.4f", title=_("cost")),
            ],
        )
    )

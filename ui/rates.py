"""The conversion rates, set once for the whole app: the currency, the price of one 302.ai PTC
and of one AusyncLab credit, and the person's own TwinSync price per second of audio.

The submit and the compare page render the same editor (:func:`render_rates`) and read and write
one session value, ``keys.RATES``, so a currency set on one page is the currency of the other.
The widgets themselves cannot be shared: Streamlit gives a widget on each page its own identity
even under the same key, and drops a page's widget values once another page has run. So each
page has its own widget keys (:data:`ON_SUBMIT`, :data:`ON_COMPARE`), filled from
``keys.RATES`` whenever they are missing, i.e. each time the page is opened. The defaults and
where they come from are the core's (``ConversionRates``, ``RATE_SOURCES`` in
:mod:`lipsync_core.pricing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from lipsync_core.pricing import RATE_SOURCES, ConversionRates
from ui import keys

DEFAULT_RATES = ConversionRates()
WRONG_CURRENCY = "The currency must be a three-letter code such as USD, EUR or VND."


@dataclass(frozen=True)
class RateWidgets:
    """One page's keys for the editor's widgets."""

    currency: str
    ptc: str
    credit: str
    twinsync: str


ON_SUBMIT = RateWidgets(
    keys.SUBMIT_CURRENCY, keys.SUBMIT_PTC_RATE, keys.SUBMIT_CREDIT_RATE, keys.SUBMIT_TWINSYNC_PRICE
)
ON_COMPARE = RateWidgets(
    keys.COMPARE_CURRENCY,
    keys.COMPARE_PTC_RATE,
    keys.COMPARE_CREDIT_RATE,
    keys.COMPARE_TWINSYNC_PRICE,
)


@dataclass(frozen=True)
class PriceSettings:
    """The person's rates, and their own TwinSync price per second of audio (same currency)."""

    rates: ConversionRates = DEFAULT_RATES
    twinsync_per_second: float | None = None


def saved() -> PriceSettings:
    """The settings last set on either page (the defaults until then)."""
    return st.session_state.get(keys.RATES, PriceSettings())


def render_rates(widgets: RateWidgets) -> PriceSettings:
    """The currency and rate inputs, kept in ``keys.RATES``; returns what they say (or, if the
    currency is refused, the settings last kept)."""
    _restore(widgets, saved())
    currency_col, ptc_col, credit_col, twinsync_col = st.columns(4)
    currency = currency_col.text_input(
        "Currency", max_chars=3, key=widgets.currency,
        help="A three-letter code such as USD, EUR or VND: the prices set here are in it.",
    )  # fmt: skip
    ptc = ptc_col.number_input(
        "Price of 1 PTC (302.ai, for Kling)", min_value=0.0, step=0.01, format="%.4f",
        key=widgets.ptc, help=RATE_SOURCES["ptc"],
    )  # fmt: skip
    credit = credit_col.number_input(
        "Price of 1 AusyncLab credit", min_value=0.0, step=0.0001, format="%.6f",
        key=widgets.credit, placeholder="not set: your plan's price",
        help=RATE_SOURCES["ausynclab_credit"],
    )  # fmt: skip
    twinsync = twinsync_col.number_input(
        "Your TwinSync price per second", min_value=0.0, step=0.01, format="%.4f",
        key=widgets.twinsync, placeholder="not set: TwinSync publishes none",
        help=RATE_SOURCES["twinsync_price_per_second"],
    )  # fmt: skip
    try:
        rates = ConversionRates(
            currency=(currency or "").strip().upper(), ptc=ptc, ausynclab_credit=credit
        )
    except ValidationError:
        st.error(WRONG_CURRENCY)
        return saved()
    settings = PriceSettings(rates, twinsync)
    st.session_state[keys.RATES] = settings
    return settings


def render_rate_sources() -> None:
    """The defaults, the sentence saying where each comes from, and a way back to them."""
    st.dataframe(defaults_table(), hide_index=True, width="stretch")
    st.button("Reset to the defaults", key=keys.COMPARE_RATES_RESET, on_click=_reset)


def defaults_table() -> pd.DataFrame:
    default = DEFAULT_RATES
    return pd.DataFrame(
        [
            ("Currency", default.currency, "The currency the rates are given in."),
            ("1 PTC (302.ai)", _shown(default.ptc, default.currency), RATE_SOURCES["ptc"]),
            (
                "1 AusyncLab credit",
                _shown(default.ausynclab_credit, default.currency),
                RATE_SOURCES["ausynclab_credit"],
            ),
            (
                "TwinSync, per second of audio",
                "not set",
                RATE_SOURCES["twinsync_price_per_second"],
            ),
        ],
        columns=["Rate", "Default", "Source"],
    )


def _shown(value: float | None, currency: str) -> str:
    return "not set" if value is None else f"{value:g} {currency}"


def _widget_values(widgets: RateWidgets, settings: PriceSettings) -> dict[str, str | float | None]:
    return {
        widgets.currency: settings.rates.currency,
        widgets.ptc: settings.rates.ptc,
        widgets.credit: settings.rates.ausynclab_credit,
        widgets.twinsync: settings.twinsync_per_second,
    }


def _restore(widgets: RateWidgets, settings: PriceSettings) -> None:
    """Fill the page's widgets from the kept settings when the page is opened."""
    for key, value in _widget_values(widgets, settings).items():
        if key not in st.session_state:
            st.session_state[key] = value


def _reset() -> None:
    """Back to the defaults, on every page."""
    for widgets in (ON_SUBMIT, ON_COMPARE):
        for key in _widget_values(widgets, PriceSettings()):
            st.session_state.pop(key, None)
    st.session_state[keys.RATES] = PriceSettings()

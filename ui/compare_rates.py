"""The conversion rates a person can change on the compare page, with defaults and sources.

The rates live in widgets while the page is open and are kept in the session as a
:class:`PriceSettings` so that leaving the page and coming back keeps what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from lipsync_core.pricing import ConversionRates
from ui import keys

DEFAULT_RATES = ConversionRates()
# Where each default comes from (lipsync_core.pricing and the provider documents).
RATE_SOURCES = {
    "ptc": "302.ai sells 1 PTC for 1 USD (assumption: its document gives prices in PTC only).",
    "ausynclab_credit": (
        "AusyncLab publishes no price per credit (its document gives credits per second "
        "only): enter what a credit costs on your plan."
    ),
    "twinsync": "TwinSync publishes no prices: enter the price per second you were quoted.",
}


@dataclass(frozen=True)
class PriceSettings:
    """The person's rates, and their own TwinSync price per second of audio (same currency)."""

    rates: ConversionRates = DEFAULT_RATES
    twinsync_per_second: float | None = None


def saved() -> PriceSettings:
    return st.session_state.get(keys.COMPARE_RATES, PriceSettings())


def render_rates() -> PriceSettings:
    """The currency and rate inputs; returns what they say (or the last valid settings)."""
    _restore(saved())
    currency_col, ptc_col, credit_col, twinsync_col = st.columns(4)
    currency = currency_col.text_input("Currency", max_chars=3, key=keys.COMPARE_CURRENCY)
    ptc = ptc_col.number_input(
        "Price of 1 PTC (302.ai)", min_value=0.0, step=0.01, format="%.4f",
        key=keys.COMPARE_PTC_RATE, help=RATE_SOURCES["ptc"],
    )  # fmt: skip
    credit = credit_col.number_input(
        "Price of 1 AusyncLab credit", min_value=0.0, step=0.0001, format="%.6f",
        key=keys.COMPARE_CREDIT_RATE, placeholder="not set", help=RATE_SOURCES["ausynclab_credit"],
    )  # fmt: skip
    twinsync = twinsync_col.number_input(
        "TwinSync price per second", min_value=0.0, step=0.01, format="%.4f",
        key=keys.COMPARE_TWINSYNC_PRICE, placeholder="not set", help=RATE_SOURCES["twinsync"],
    )  # fmt: skip
    try:
        rates = ConversionRates(
            currency=(currency or "").strip().upper(), ptc=ptc, ausynclab_credit=credit
        )
    except ValidationError:
        st.error("The currency must be a three-letter code such as USD, EUR or VND.")
        return saved()
    settings = PriceSettings(rates, twinsync)
    st.session_state[keys.COMPARE_RATES] = settings
    with st.expander("Defaults and where they come from"):
        st.dataframe(defaults_table(), hide_index=True, width="stretch")
        st.button("Reset to the defaults", key=keys.COMPARE_RATES_RESET, on_click=_reset)
    return settings


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
            ("TwinSync, per second of audio", "not set", RATE_SOURCES["twinsync"]),
        ],
        columns=["Rate", "Default", "Source"],
    )


def _shown(value: float | None, currency: str) -> str:
    return "not set" if value is None else f"{value:g} {currency}"


def _restore(settings: PriceSettings) -> None:
    """Fill the widgets from the kept settings when the page is opened again."""
    values = {
        keys.COMPARE_CURRENCY: settings.rates.currency,
        keys.COMPARE_PTC_RATE: settings.rates.ptc,
        keys.COMPARE_CREDIT_RATE: settings.rates.ausynclab_credit,
        keys.COMPARE_TWINSYNC_PRICE: settings.twinsync_per_second,
    }
    for key, value in values.items():
        if key not in st.session_state:
            st.session_state[key] = value


def _reset() -> None:
    for key in (
        keys.COMPARE_CURRENCY,
        keys.COMPARE_PTC_RATE,
        keys.COMPARE_CREDIT_RATE,
        keys.COMPARE_TWINSYNC_PRICE,
    ):
        st.session_state.pop(key, None)
    st.session_state[keys.COMPARE_RATES] = PriceSettings()

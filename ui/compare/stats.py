"""Measured, from the job history: the statistics table, its charts and its CSV downloads.

The figures are computed by the database for the period chosen (``lipsync_core.stats``); the page
reads a few dozen rows whatever the size of the history, and every job only when someone asks
for the jobs' CSV.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast, get_args

import pandas as pd
import streamlit as st

from lipsync_core.errors import provider_display_name
from lipsync_core.flows.model import Job, utc_now
from lipsync_core.pricing import ConversionRates, CostEstimate, Unit, to_currency
from lipsync_core.stats import (
    LIVE,
    SANDBOX,
    Period,
    job_table,
    latest_comparisons,
    provider_stats,
)
from lipsync_core.store import JobStore
from lipsync_core.team import TeamSettings
from ui import keys
from ui.compare.stats_charts import CURRENCY_COLUMN, render_charts
from ui.runtime import Runtime

WINDOWS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "All time": None}
MAX_COMPARISONS = 100
ENVIRONMENTS = {LIVE: "Live jobs", SANDBOX: "Sandbox jobs"}
YOUR_PRICE = "your TwinSync price"
DEFINITIONS = (
    "**Half finished within** and **9 in 10 finished within**: of the jobs that succeeded, the "
    "time from the moment the provider had everything it needed (it accepted the job; for "
    "Kling, after you chose a face) until the result was ready, so time spent waiting for you "
    "is not counted. Failed jobs are not timed. **Success rate**: succeeded out of finished "
    "(jobs still running do not count yet). **Used**: credits, or PTC (302.ai's credits, for "
    "Kling), that the provider reported, against the estimate for the same jobs. **Cost per "
    "second of result**: the reported cost where known, else the estimate, over the length of "
    "the results; TwinSync publishes no price, so in your currency it is the price per second "
    "you set under Prices. **Lip-sync**, of the results measured so far: the share whose mouth "
    "moves with the speech, how far lips and sound are apart (half of the results are closer), "
    "and how clearly the lips follow the sound (0 to 1; half of the results are above)."
)
COLUMNS = {
    "provider": st.column_config.TextColumn("Provider"),
    "model": st.column_config.TextColumn(
        "Model",
        help="The provider's own name: prime and nova (AusyncLab's two models), "
        "advanced-lip-sync (Kling, through 302.ai), videotalking (TwinSync's service).",
    ),
    "jobs": st.column_config.NumberColumn("Jobs"),
    "finished": st.column_config.NumberColumn("Finished"),
    "succeeded": st.column_config.NumberColumn("Succeeded"),
    "failed": st.column_config.NumberColumn("Failed"),
    "success_rate": st.column_config.NumberColumn("Success rate", format="percent"),
    "median_turnaround_s": st.column_config.NumberColumn(
        "Half finished within", format="%.1f s", help="The median time to a result."
    ),
    "p90_turnaround_s": st.column_config.NumberColumn(
        "9 in 10 finished within", format="%.1f s", help="The 90th percentile of the time."
    ),
    "unit": st.column_config.TextColumn(
        "Paid in", help="credits: AusyncLab credits; PTC: 302.ai's prepaid credits (for Kling)."
    ),
    "reported_jobs": st.column_config.NumberColumn("Jobs with a reported cost"),
    "used": st.column_config.NumberColumn("Used (as reported)", format="%.3f"),
    "estimate_for_used": st.column_config.NumberColumn("Estimated for them", format="%.3f"),
    "used_vs_estimate": st.column_config.NumberColumn("Used against estimate", format="%.2f×"),
    "output_seconds": st.column_config.NumberColumn("Seconds of results", format="%.1f"),
    "cost_per_output_second": st.column_config.NumberColumn(
        "Cost per second of result", format="%.4f", help="In the unit under Paid in."
    ),
    "cost_basis": st.column_config.TextColumn("Cost from"),
    "measured": st.column_config.NumberColumn("Results measured"),
    "mouth_moves_share": st.column_config.NumberColumn("Mouth moves", format="percent"),
    "median_abs_offset_ms": st.column_config.NumberColumn(
        "Lips and sound apart by", format="%.0f ms", help="Half of the results are closer."
    ),
    "median_confidence": st.column_config.NumberColumn(
        "Lips follow the sound", format="%.2f", help="0 to 1; half of the results are above."
    ),
}


def period_of(window: str) -> Period:
    """The jobs a period choice covers (from the start of the minute, so that reruns within a
    minute ask the same question)."""
    days = WINDOWS[window]
    if not days:
        return Period()
    return Period(since=(utc_now() - timedelta(days=days)).replace(second=0, microsecond=0))


def comparisons(runtime: Runtime, period: Period) -> list[Job]:
    """One job of each of the newest comparison groups sent in the period (Side by side)."""
    return latest_comparisons(runtime.service.store, period, limit=MAX_COMPARISONS)


def render_stats(runtime: Runtime, period: Period, settings: TeamSettings) -> None:
    store = runtime.service.store
    stats = provider_stats(store, period)
    live = stats["environment"] == LIVE
    environment = st.radio(
        "Which jobs",
        list(ENVIRONMENTS),
        index=0 if live.any() or live.all() else 1,
        format_func=ENVIRONMENTS.get,
        horizontal=True,
        key=keys.COMPARE_SANDBOX,
        help="Sandbox jobs run on the local emulator, so they are never mixed with live ones.",
    )
    if environment == SANDBOX:
        st.warning(
            "Sandbox jobs ran on this computer's emulator: their times and costs say nothing "
            "about the providers themselves.",
            icon="🧪",
        )
    chosen = stats[live if environment == LIVE else ~live].drop(columns="environment")
    chosen = with_currency(chosen, settings.rates, settings.twinsync_per_second)
    if chosen.empty:
        st.info(f"No {ENVIRONMENTS[environment].lower()} in this period yet.")
        return
    columns = {**COLUMNS, CURRENCY_COLUMN: _currency_column(settings.rates.currency)}
    st.dataframe(_readable(chosen), column_config=columns, hide_index=True, width="stretch")
    st.caption(DEFINITIONS)
    render_charts(chosen, settings.rates.currency)
    _downloads(store, period, chosen, environment)


def _readable(stats: pd.DataFrame) -> pd.DataFrame:
    """Provider names as people know them, and "unknown" for a unit nobody published."""
    return stats.assign(
        provider=stats["provider"].map(provider_display_name),
        unit=stats["unit"].fillna("unknown"),
    )


def with_currency(
    stats: pd.DataFrame, rates: ConversionRates, twinsync_per_second: float | None = None
) -> pd.DataFrame:
    """The statistics with the cost per output second converted into ``rates.currency``.

    TwinSync publishes no price: where none of its jobs were priced in this currency, its cost
    per second of result is the person's own price per second of audio (a result lasts as long
    as its audio), and ``cost_basis`` says so.
    """
    converted = [
        _converted(provider, model, unit, amount, rates)
        for provider, model, unit, amount in zip(
            stats["provider"], stats["model"], stats["unit"], stats["cost_per_output_second"],
            strict=True,
        )
    ]  # fmt: skip
    column = pd.Series(converted, index=stats.index, dtype=float)
    basis = stats.get("cost_basis")
    if twinsync_per_second is not None:
        own = (stats["provider"] == "twinsync") & column.isna()
        column = column.mask(own, float(twinsync_per_second))
        if basis is not None:
            basis = basis.mask(own, YOUR_PRICE)
    result = stats.assign(**{CURRENCY_COLUMN: column})
    return result if basis is None else result.assign(cost_basis=basis)


def _converted(
    provider: str, model: str, unit: str | None, amount: float | None, rates: ConversionRates
) -> float | None:
    if unit is None or amount is None or pd.isna(amount):
        return None
    if unit not in get_args(Unit):  # a currency's code: the user's own price (TwinSync)
        return float(amount) if unit == rates.currency else None
    cost = CostEstimate(provider, model, float(amount), cast(Unit, unit), "")
    return to_currency(cost, rates)


def _currency_column(currency: str) -> st.column_config.Column:
    return st.column_config.NumberColumn(
        f"Cost per second of result ({currency})",
        format="%.4f",
        help="Converted with the rates set under Prices (also set on Submit); empty where none is.",
    )


def stats_csv(stats: pd.DataFrame) -> bytes:
    """The statistics shown, as CSV (provider ids, every figure, the cost in the currency)."""
    return stats.to_csv(index=False).encode()


def jobs_csv(store: JobStore, period: Period, environment: str) -> bytes:
    """The jobs behind the statistics, as CSV: read when someone asks for them."""
    return job_table(store, period, environment).to_csv(index=False).encode()


def _downloads(store: JobStore, period: Period, stats: pd.DataFrame, environment: str) -> None:
    left, right = st.columns(2)
    left.download_button(
        "Download these statistics (CSV)",
        stats_csv(stats),
        file_name=f"lipsync-stats-{environment}.csv",
        mime="text/csv",
        key=keys.COMPARE_STATS_CSV,
    )
    right.download_button(
        "Download the jobs behind them (CSV)",
        lambda: jobs_csv(store, period, environment),
        file_name=f"lipsync-jobs-{environment}.csv",
        mime="text/csv",
        key=keys.COMPARE_JOBS_CSV,
    )

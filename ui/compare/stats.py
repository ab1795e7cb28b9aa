"""Measured, from the job history: the statistics table, its charts and its CSV downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast, get_args

import altair as alt
import pandas as pd
import streamlit as st

from lipsync_core.errors import provider_display_name
from lipsync_core.flows.model import Job, JobState, utc_now
from lipsync_core.pricing import ConversionRates, CostEstimate, Unit, to_currency
from lipsync_core.stats import LIVE, SANDBOX, jobs_frame, provider_stats, split_environments
from lipsync_core.store import JobFilter, JobStore
from ui import keys
from ui.runtime import Runtime

WINDOWS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "All time": None}
MAX_JOBS = 20_000
CURRENCY_COLUMN = "cost_per_output_second_in_currency"
ENVIRONMENTS = {LIVE: "Live jobs", SANDBOX: "Sandbox jobs"}
DEFINITIONS = (
    "**Turnaround**: from submitting to the result, for jobs that succeeded (p90: 9 in 10 "
    "were at least this fast). **Success rate**: succeeded out of finished. **Used**: credits "
    "or PTC the provider reported (AusyncLab callbacks, Kling calls made), compared with the "
    "estimate for the same jobs. **Cost per output second**: reported cost where known, "
    "else the estimate, over the length of the results."
)
COLUMNS = {
    "provider": st.column_config.TextColumn("Provider"),
    "model": st.column_config.TextColumn("Model"),
    "jobs": st.column_config.NumberColumn("Jobs"),
    "finished": st.column_config.NumberColumn("Finished"),
    "succeeded": st.column_config.NumberColumn("Succeeded"),
    "failed": st.column_config.NumberColumn("Failed"),
    "success_rate": st.column_config.NumberColumn("Success rate", format="percent"),
    "median_turnaround_s": st.column_config.NumberColumn("Median turnaround", format="%.1f s"),
    "p90_turnaround_s": st.column_config.NumberColumn("p90 turnaround", format="%.1f s"),
    "unit": st.column_config.TextColumn("Unit"),
    "reported_jobs": st.column_config.NumberColumn("Jobs with reported cost"),
    "used": st.column_config.NumberColumn("Used (reported)", format="%.3f"),
    "estimate_for_used": st.column_config.NumberColumn("Estimate for them", format="%.3f"),
    "used_vs_estimate": st.column_config.NumberColumn("Used ÷ estimate", format="%.2f×"),
    "output_seconds": st.column_config.NumberColumn("Output seconds", format="%.1f"),
    "cost_per_output_second": st.column_config.NumberColumn(
        "Cost per output second", format="%.4f"
    ),
    "cost_basis": st.column_config.TextColumn("Cost from"),
}


@dataclass(frozen=True)
class History:
    """The jobs of a period and the figures made from them (shared: never change them)."""

    jobs: tuple[Job, ...]
    stats: pd.DataFrame
    rows: pd.DataFrame


def load_history(runtime: Runtime, window: str) -> History:
    """The period's jobs and statistics, computed again only when the history changed.

    Reading 10,000 jobs takes most of a second, so the result is kept for up to a minute per
    database, period and number of jobs, succeeded and failed: a new or finished job reads
    the history again, a job going from queued to running does not.
    """
    days = WINDOWS[window]
    since = None
    if days:
        since = (utc_now() - timedelta(days=days)).replace(second=0, microsecond=0)
    counts = runtime.service.store.count_by_state(JobFilter(since=since))
    key = (sum(counts.values()), counts[JobState.SUCCEEDED], counts[JobState.FAILED])
    return _history(runtime.settings.database_url, since, key, runtime.service.store)


@st.cache_resource(ttl=60, max_entries=8, show_spinner="Reading the job history…")
def _history(
    database: str, since: datetime | None, counts: tuple[int, int, int], _store: JobStore
) -> History:
    jobs = tuple(_store.list_jobs(JobFilter(since=since), limit=MAX_JOBS, damaged=False))
    return History(jobs, provider_stats(jobs), jobs_frame(jobs))


def render_stats(history: History, rates: ConversionRates) -> None:
    parts = split_environments(with_currency(history.stats, rates))
    default = 0 if len(parts[LIVE]) or not len(parts[SANDBOX]) else 1
    environment = st.radio(
        "Which jobs",
        list(ENVIRONMENTS),
        index=default,
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
    stats = parts[environment]
    if stats.empty:
        st.info(f"No {ENVIRONMENTS[environment].lower()} in this period yet.")
        return
    columns = {**COLUMNS, CURRENCY_COLUMN: _currency_column(rates.currency)}
    st.dataframe(_readable(stats), column_config=columns, hide_index=True, width="stretch")
    st.caption(DEFINITIONS)
    _charts(stats, rates.currency)
    _downloads(stats, history.rows, environment)


def _readable(stats: pd.DataFrame) -> pd.DataFrame:
    """Provider names as people know them, and "unknown" for a unit nobody published."""
    return stats.assign(
        provider=stats["provider"].map(provider_display_name),
        unit=stats["unit"].fillna("unknown"),
    )


def with_currency(stats: pd.DataFrame, rates: ConversionRates) -> pd.DataFrame:
    """The statistics with the cost per output second converted into ``rates.currency``."""
    converted = [
        _converted(provider, model, unit, amount, rates)
        for provider, model, unit, amount in zip(
            stats["provider"], stats["model"], stats["unit"], stats["cost_per_output_second"],
            strict=True,
        )
    ]  # fmt: skip
    return stats.assign(**{CURRENCY_COLUMN: pd.Series(converted, index=stats.index, dtype=float)})


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
        f"Cost per output second ({currency})",
        format="%.4f",
        help="Converted with the rates set under Prices (also set on Submit); empty where none is.",
    )


def _charts(stats: pd.DataFrame, currency: str) -> None:
    targets = [_target(p, m) for p, m in zip(stats.provider, stats.model, strict=True)]
    frame = stats.assign(target=targets)
    left, right = st.columns(2)
    with left:
        st.markdown("**Success rate**")
        st.altair_chart(_success_chart(frame), width="stretch")
    with right:
        st.markdown("**Turnaround (seconds)**")
        st.altair_chart(_turnaround_chart(frame), width="stretch")
    priced = frame.dropna(subset=[CURRENCY_COLUMN])
    if not priced.empty:
        st.markdown(f"**Cost per second of output ({currency})**")
        st.altair_chart(_cost_chart(priced, currency), width="stretch")


def _target(provider: str, model: str) -> str:
    return f"{provider_display_name(provider)} · {model}"


def _success_chart(frame: pd.DataFrame) -> alt.Chart:
    data = frame.dropna(subset=["success_rate"])
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "success_rate:Q",
                title="Succeeded out of finished",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y("target:N", title=None),
            tooltip=["target", alt.Tooltip("success_rate:Q", format=".0%"), "finished"],
        )
    )


def _turnaround_chart(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(
        id_vars=["target"],
        value_vars=["median_turnaround_s", "p90_turnaround_s"],
        var_name="measure",
        value_name="seconds",
    ).dropna(subset=["seconds"])
    long["measure"] = long["measure"].map(
        {"median_turnaround_s": "median", "p90_turnaround_s": "p90"}
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("seconds:Q", title="Seconds from submit to result"),
            y=alt.Y("target:N", title=None),
            yOffset="measure:N",
            color=alt.Color("measure:N", title=None),
            tooltip=["target", "measure", alt.Tooltip("seconds:Q", format=".1f")],
        )
    )


def _cost_chart(frame: pd.DataFrame, currency: str) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{CURRENCY_COLUMN}:Q", title=f"{currency} per second of output"),
            y=alt.Y("target:N", title=None),
            tooltip=["target", alt.Tooltip(f"{CURRENCY_COLUMN}:Q", format=",.4f"), "cost_basis"],
        )
    )


def _downloads(stats: pd.DataFrame, rows: pd.DataFrame, environment: str) -> None:
    """CSV of the statistics and of the jobs behind them, made only when asked for."""
    left, right = st.columns(2)
    left.download_button(
        "Download these statistics (CSV)",
        stats.to_csv(index=False).encode(),
        file_name=f"lipsync-stats-{environment}.csv",
        mime="text/csv",
        key=keys.COMPARE_STATS_CSV,
    )
    right.download_button(
        "Download the jobs behind them (CSV)",
        lambda: rows[rows["environment"] == environment].to_csv(index=False).encode(),
        file_name=f"lipsync-jobs-{environment}.csv",
        mime="text/csv",
        key=keys.COMPARE_JOBS_CSV,
    )

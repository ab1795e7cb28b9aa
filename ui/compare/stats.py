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
from lipsync_core.i18n import DEFAULT_LANGUAGE, N_, _, current_language, use_language
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

WINDOWS = {N_("Last 7 days"): 7, N_("Last 30 days"): 30, N_("Last 90 days"): 90,
           N_("All time"): None}  # fmt: skip
"""The periods (the English words are the picker's values; shown as ``_(window)``)."""
MAX_COMPARISONS = 100
ENVIRONMENTS = {LIVE: N_("Live jobs"), SANDBOX: N_("Sandbox jobs")}
NONE_YET = {
    LIVE: N_("No live jobs in this period yet."),
    SANDBOX: N_("No sandbox jobs in this period yet."),
}
YOUR_PRICE = N_("your TwinSync price")
COST_BASES = (N_("reported"), N_("estimated"), N_("mixed"), YOUR_PRICE)
"""What a cost per second of result is made from (kept in English in the data and the CSV)."""
DEFINITIONS = N_(
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
HEADINGS = {
    "provider": N_("Provider"),
    "model": N_("Model"),
    "jobs": N_("Jobs"),
    "finished": N_("Finished"),
    "succeeded": N_("Succeeded"),
    "failed": N_("Failed"),
    "success_rate": N_("Success rate"),
    "median_turnaround_s": N_("Half finished within"),
    "p90_turnaround_s": N_("9 in 10 finished within"),
    "unit": N_("Paid in"),
    "reported_jobs": N_("Jobs with a reported cost"),
    "used": N_("Used (as reported)"),
    "estimate_for_used": N_("Estimated for them"),
    "used_vs_estimate": N_("Used against estimate"),
    "output_seconds": N_("Seconds of results"),
    "cost_per_output_second": N_("Cost per second of result"),
    "cost_basis": N_("Cost from"),
    "measured": N_("Results measured"),
    "mouth_moves_share": N_("Mouth moves"),
    "median_abs_offset_ms": N_("Lips and sound apart by"),
    "median_confidence": N_("Lips follow the sound"),
}
"""The statistics' columns as the table heads them (and the CSV, in other languages than
English, whose CSV keeps the column ids scripts read)."""
FORMATS = {
    "success_rate": "percent",
    "median_turnaround_s": "%.1f s",
    "p90_turnaround_s": "%.1f s",
    "used": "%.3f",
    "estimate_for_used": "%.3f",
    "used_vs_estimate": "%.2f×",
    "output_seconds": "%.1f",
    "cost_per_output_second": "%.4f",
    "mouth_moves_share": "percent",
    "median_abs_offset_ms": "%.0f ms",
    "median_confidence": "%.2f",
}
HELP = {
    "model": N_(
        "The provider's own name: prime and nova (AusyncLab's two models), "
        "advanced-lip-sync (Kling, through 302.ai), videotalking (TwinSync's service)."
    ),
    "median_turnaround_s": N_("The median time to a result."),
    "p90_turnaround_s": N_("The 90th percentile of the time."),
    "unit": N_("credits: AusyncLab credits; PTC: 302.ai's prepaid credits (for Kling)."),
    "cost_per_output_second": N_("In the unit under Paid in."),
    "median_abs_offset_ms": N_("Half of the results are closer."),
    "median_confidence": N_("0 to 1; half of the results are above."),
}
TEXT_COLUMNS = {"provider", "model", "unit", "cost_basis"}
JOB_HEADINGS = {
    "id": N_("Job"),
    "environment": N_("Environment"),
    "provider": N_("Provider"),
    "model": N_("Model"),
    "sent_by": N_("Sent by"),
    "created_at": N_("Sent at (UTC)"),
    "started_at": N_("Started at (UTC)"),
    "finished_at": N_("Finished at (UTC)"),
    "state": N_("State"),
    "turnaround_s": N_("Time to a result (s)"),
    "unit": N_("Paid in"),
    "estimated": N_("Estimated cost"),
    "used": N_("Used (as reported)"),
    "cost_reported": N_("Cost reported by the provider"),
    "cost": N_("Cost (as reported, else estimated)"),
    "output_seconds": N_("Seconds of result"),
    "audio_seconds": N_("Seconds of audio"),
    "quality_state": N_("Lip-sync measure"),
    "offset_ms": N_("Lips and sound apart by (ms)"),
    "confidence": N_("Lips follow the sound (0 to 1)"),
    "mouth_moves": N_("Mouth moves"),
}
"""The jobs' CSV columns in words, for other languages than English (see :data:`HEADINGS`)."""


def column_config(currency: str) -> dict[str, st.column_config.Column]:
    """The statistics table's headings, formats and help, in the reader's language."""
    config: dict[str, st.column_config.Column] = {}
    for name, heading in HEADINGS.items():
        words = {"help": _(HELP[name])} if name in HELP else {}
        if name in TEXT_COLUMNS:
            config[name] = st.column_config.TextColumn(_(heading), **words)
        else:
            shape = {"format": FORMATS[name]} if name in FORMATS else {}
            config[name] = st.column_config.NumberColumn(_(heading), **shape, **words)
    config[CURRENCY_COLUMN] = _currency_column(currency)
    return config


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
        _("Which jobs"),
        list(ENVIRONMENTS),
        index=0 if live.any() or live.all() else 1,
        format_func=lambda name: _(ENVIRONMENTS[name]),
        horizontal=True,
        key=keys.COMPARE_SANDBOX,
        help=_("Sandbox jobs run on the local emulator, so they are never mixed with live ones."),
    )
    if environment == SANDBOX:
        st.warning(
            _(
                "Sandbox jobs ran on this computer's emulator: their times and costs say nothing "
                "about the providers themselves."
            ),
            icon="🧪",
        )
    chosen = stats[live if environment == LIVE else ~live].drop(columns="environment")
    chosen = with_currency(chosen, settings.rates, settings.twinsync_per_second)
    if chosen.empty:
        st.info(_(NONE_YET[environment]))
        return
    currency = settings.rates.currency
    worded = _cost_basis_words(chosen)
    st.dataframe(
        _readable(worded), column_config=column_config(currency), hide_index=True, width="stretch"
    )
    st.caption(_(DEFINITIONS))
    render_charts(worded, currency)
    _downloads(store, period, chosen, environment, currency)


def _readable(stats: pd.DataFrame) -> pd.DataFrame:
    """Provider names as people know them, and "unknown" for a unit nobody published."""
    return stats.assign(
        provider=stats["provider"].map(provider_display_name),
        unit=stats["unit"].fillna(_("unknown")),
    )


def _cost_basis_words(stats: pd.DataFrame) -> pd.DataFrame:
    """What each cost per second of result is made from, in the reader's language."""
    if "cost_basis" not in stats:
        return stats
    words = {basis: _(basis) for basis in COST_BASES}
    return stats.assign(cost_basis=stats["cost_basis"].map(lambda basis: words.get(basis, basis)))


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
        _("Cost per second of result ({currency})").format(currency=currency),
        format="%.4f",
        help=_(
            "Converted with the rates set under Prices (also set on Submit); empty where none is."
        ),
    )


def _headed(table: pd.DataFrame, headings: dict[str, str]) -> pd.DataFrame:
    """A CSV's table headed for its reader: in English the column ids (as scripts have read
    them since the first CSV), in other languages the columns' names in words."""
    if current_language() == DEFAULT_LANGUAGE:
        return table
    return table.rename(columns=headings)


def stats_csv(stats: pd.DataFrame, currency: str | None = None) -> bytes:
    """The statistics shown, as CSV (provider ids, every figure, the cost in the currency)."""
    headings = {name: _(heading) for name, heading in HEADINGS.items()}
    if currency is not None:
        in_currency = _("Cost per second of result ({currency})").format(currency=currency)
        headings[CURRENCY_COLUMN] = in_currency
    return _headed(stats, headings).to_csv(index=False).encode()


def jobs_csv(store: JobStore, period: Period, environment: str) -> bytes:
    """The jobs behind the statistics, as CSV: read when someone asks for them."""
    headings = {name: _(heading) for name, heading in JOB_HEADINGS.items()}
    return _headed(job_table(store, period, environment), headings).to_csv(index=False).encode()


def _downloads(
    store: JobStore, period: Period, stats: pd.DataFrame, environment: str, currency: str
) -> None:
    language = current_language()

    def jobs_in_language() -> bytes:
        """The jobs' CSV, made after the click (outside this run): in this run's language."""
        with use_language(language):
            return jobs_csv(store, period, environment)

    left, right = st.columns(2)
    left.download_button(
        _("Download these statistics (CSV)"),
        stats_csv(stats, currency),
        file_name=f"lipsync-stats-{environment}.csv",
        mime="text/csv",
        key=keys.COMPARE_STATS_CSV,
    )
    right.download_button(
        _("Download the jobs behind them (CSV)"),
        jobs_in_language,
        file_name=f"lipsync-jobs-{environment}.csv",
        mime="text/csv",
        key=keys.COMPARE_JOBS_CSV,
    )

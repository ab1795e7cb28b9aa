"""The charts under the measured statistics: success, time to a result, cost per second, and
lip-sync quality against cost per second. Names of providers and models are never cut short
(``labelLimit=0`` on every axis and legend that shows them)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lipsync_core.errors import provider_display_name
from ui import keys

CURRENCY_COLUMN = "cost_per_output_second_in_currency"
TURNAROUND_WORDS = {
    "median_turnaround_s": "half finished within",
    "p90_turnaround_s": "9 in 10 finished within",
}
# What the quality chart can show upwards: the title of its axis, its format and its scale.
QUALITY_MEASURES = {
    "median_confidence": ("How clearly the lips follow the sound (0 to 1, higher is better)",
                          ".2f", [0, 1]),
    "mouth_moves_share": ("Results whose mouth moves (higher is better)", ".0%", [0, 1]),
    "median_abs_offset_ms": ("Lips and sound apart by (ms, lower is better)", ".0f", None),
}  # fmt: skip
NO_PRICE = {
    "credits": "set the price of 1 AusyncLab credit under Prices",
    "PTC": "set the price of 1 PTC under Prices",
}


def target_name(provider: str, model: str) -> str:
    return f"{provider_display_name(provider)} · {model}"


def names_axis() -> alt.Axis:
    """The axis of provider and model names, never shortened."""
    return alt.Axis(labelLimit=0, title=None)


def render_charts(stats: pd.DataFrame, currency: str) -> None:
    frame = stats.assign(
        target=[target_name(p, m) for p, m in zip(stats.provider, stats.model, strict=True)]
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**Success rate**")
        st.altair_chart(success_chart(frame), width="stretch")
    with right:
        st.markdown("**Time to a result (seconds)**")
        st.altair_chart(turnaround_chart(frame), width="stretch")
    priced = frame.dropna(subset=[CURRENCY_COLUMN])
    if not priced.empty:
        st.markdown(f"**Cost per second of result ({currency})**")
        st.altair_chart(cost_chart(priced, currency), width="stretch")
    render_quality(frame, currency)


def success_chart(frame: pd.DataFrame) -> alt.Chart:
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
            y=alt.Y("target:N", axis=names_axis()),
            tooltip=["target", alt.Tooltip("success_rate:Q", format=".0%"), "finished"],
        )
    )


def turnaround_chart(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(
        id_vars=["target"],
        value_vars=list(TURNAROUND_WORDS),
        var_name="measure",
        value_name="seconds",
    ).dropna(subset=["seconds"])
    long["measure"] = long["measure"].map(TURNAROUND_WORDS)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("seconds:Q", title="Seconds, from the provider having everything to a result"),
            y=alt.Y("target:N", axis=names_axis()),
            yOffset="measure:N",
            color=alt.Color(
                "measure:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=0)
            ),
            tooltip=["target", "measure", alt.Tooltip("seconds:Q", format=".1f")],
        )
    )


def cost_chart(frame: pd.DataFrame, currency: str) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{CURRENCY_COLUMN}:Q", title=f"{currency} per second of result"),
            y=alt.Y("target:N", axis=names_axis()),
            tooltip=["target", alt.Tooltip(f"{CURRENCY_COLUMN}:Q", format=",.4f"), "cost_basis"],
        )
    )


def render_quality(frame: pd.DataFrame, currency: str) -> None:
    """One point per provider/model: its cost per second of result against a lip-sync figure
    the person chooses; the ones left out, and why."""
    st.markdown(f"**Lip-sync quality against cost per second of result ({currency})**")
    measure = st.selectbox(
        "Quality shown as",
        list(QUALITY_MEASURES),
        format_func=lambda name: QUALITY_MEASURES[name][0],
        key=keys.COMPARE_QUALITY_MEASURE,
    )
    shown, missing = quality_points(frame, measure, currency)
    if shown.empty:
        st.info("No provider has both a cost per second in your currency and measured results yet.")
    else:
        st.altair_chart(quality_chart(shown, measure, currency), width="stretch")
    for reason in missing:
        st.caption(f"Not on this chart: {reason}")


def quality_points(
    frame: pd.DataFrame, measure: str, currency: str
) -> tuple[pd.DataFrame, list[str]]:
    """The rows the quality chart can show, and for each other one a sentence saying why not."""
    has_cost = frame[CURRENCY_COLUMN].notna()
    has_quality = frame[measure].notna()
    missing = []
    for row in frame[~(has_cost & has_quality)].itertuples():
        if not has_cost[row.Index]:
            why = NO_PRICE.get(str(row.unit), f"no cost per second in {currency} is known")
            if row.provider == "twinsync":
                why = "set your TwinSync price per second under Prices"
        elif not row.measured:
            why = "none of its results has been measured yet"
        else:
            why = "its measured results have no such figure (the mouth never moved)"
        missing.append(f"{row.target} — {why}.")
    return frame[has_cost & has_quality], missing


def quality_chart(frame: pd.DataFrame, measure: str, currency: str) -> alt.Chart:
    title, number, domain = QUALITY_MEASURES[measure]
    quality_scale = alt.Scale(domain=domain) if domain else alt.Scale(zero=True)
    return (
        alt.Chart(frame)
        .mark_circle(size=160, opacity=0.9)
        .encode(
            x=alt.X(
                f"{CURRENCY_COLUMN}:Q",
                title=f"{currency} per second of result",
                scale=alt.Scale(zero=True),
            ),
            y=alt.Y(f"{measure}:Q", title=title, scale=quality_scale),
            color=alt.Color(
                "target:N",
                title=None,
                legend=alt.Legend(orient="bottom", labelLimit=0, columns=2),
            ),
            tooltip=[
                "target",
                alt.Tooltip(f"{CURRENCY_COLUMN}:Q", title=f"{currency} per second", format=",.4f"),
                alt.Tooltip(f"{measure}:Q", title=title, format=number),
                alt.Tooltip("measured:Q", title="Results measured"),
            ],
        )
    )

"""The charts under the measured statistics: success, time to a result, cost per second, and
lip-sync quality against cost per second.

Each chart is a Vega-Lite spec written here and drawn by ``st.vega_lite_chart``: Altair would
make the same spec, but validating it against the Vega-Lite schema cost 20 to 40 ms a chart,
most of the tab's time. Its few rows stay inline, in the spec's one layer (Streamlit would turn
top-level data into an Arrow table first, another 5 ms a chart). Names of providers and models
are never cut short (``labelLimit: 0`` on every axis and legend that shows them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from lipsync_core.i18n import N_, _
from ui import keys
from ui.labels import target_label

CURRENCY_COLUMN = "cost_per_output_second_in_currency"
TURNAROUND_WORDS = {
    "median_turnaround_s": N_("half finished within"),
    "p90_turnaround_s": N_("9 in 10 finished within"),
}
# What the quality chart can show upwards: the title of its axis, its format and its scale.
QUALITY_MEASURES = {
    "median_confidence": (N_("How clearly the lips follow the sound (0 to 1, higher is better)"),
                          ".2f", [0, 1]),
    "mouth_moves_share": (N_("Results whose mouth moves (higher is better)"), ".0%", [0, 1]),
    "median_abs_offset_ms": (N_("Lips and sound apart by (ms, lower is better)"), ".0f", None),
}  # fmt: skip
NO_PRICE = {
    "credits": N_("set the price of 1 AusyncLab credit under Prices"),
    "PTC": N_("set the price of 1 PTC (302.ai's prepaid credit) under Prices"),
}
Spec = dict[str, Any]
Row = dict[str, Any]
NAMES_AXIS = {"title": None, "labelLimit": 0}


def target_name(provider: str, model: str) -> str:
    """The short name on the charts: ``AusyncLab Prime``, ``Kling``, ``TwinSync``."""
    return target_label(provider, model)


def known(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def points(rows: Iterable[Row], columns: Sequence[str], *required: str) -> list[Row]:
    """The rows that have every ``required`` figure, with only ``columns`` (missing: ``null``)."""
    return [
        {name: row[name] if known(row[name]) else None for name in columns}
        for row in rows
        if all(known(row[name]) for name in required)
    ]


def layered(view: Spec) -> Spec:
    """The chart as one layer holding its own data (so that it stays in the spec as JSON)."""
    return {"layer": [view]}


def render_charts(stats: pd.DataFrame, currency: str) -> None:
    rows = [
        {**row, "target": target_name(row["provider"], row["model"])}
        for row in stats.to_dict("records")
    ]
    left, right = st.columns(2)
    with left:
        st.markdown(_("**Success rate**"))
        st.vega_lite_chart(layered(success_chart(rows)), width="stretch")
    with right:
        st.markdown(_("**Time to a result (seconds)**"))
        st.vega_lite_chart(layered(turnaround_chart(rows)), width="stretch")
    if any(known(row[CURRENCY_COLUMN]) for row in rows):
        st.markdown(_("**Cost per second of result ({currency})**").format(currency=currency))
        st.vega_lite_chart(layered(cost_chart(rows, currency)), width="stretch")
    render_quality(rows, currency)


def success_chart(rows: Iterable[Row]) -> Spec:
    values = points(rows, ["target", "success_rate", "finished"], "success_rate")
    return {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "success_rate",
                "type": "quantitative",
                "title": _("Succeeded out of finished"),
                "axis": {"format": "%"},
                "scale": {"domain": [0, 1]},
            },
            "y": {"field": "target", "type": "nominal", "axis": NAMES_AXIS},
            "tooltip": [
                {"field": "target", "type": "nominal", "title": _("Provider")},
                {
                    "field": "success_rate",
                    "type": "quantitative",
                    "format": ".0%",
                    "title": _("success_rate"),
                },
                {"field": "finished", "type": "quantitative", "title": _("finished")},
            ],
        },
    }


def turnaround_chart(rows: Iterable[Row]) -> Spec:
    values = [
        {"target": row["target"], "measure": _(words), "seconds": row[name]}
        for row in rows
        for name, words in TURNAROUND_WORDS.items()
        if known(row[name])
    ]
    return {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "seconds",
                "type": "quantitative",
                "title": _("Seconds, from the provider having everything to a result"),
            },
            "y": {"field": "target", "type": "nominal", "axis": NAMES_AXIS},
            "yOffset": {"field": "measure", "type": "nominal"},
            "color": {
                "field": "measure",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom", "labelLimit": 0},
            },
            "tooltip": [
                {"field": "target", "type": "nominal", "title": _("Provider")},
                {"field": "measure", "type": "nominal", "title": _("Jobs")},
                {
                    "field": "seconds",
                    "type": "quantitative",
                    "format": ".1f",
                    "title": _("seconds"),
                },
            ],
        },
    }


def cost_chart(rows: Iterable[Row], currency: str) -> Spec:
    values = points(rows, ["target", CURRENCY_COLUMN, "cost_basis"], CURRENCY_COLUMN)
    return {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": CURRENCY_COLUMN,
                "type": "quantitative",
                "title": _("{currency} per second of result").format(currency=currency),
            },
            "y": {"field": "target", "type": "nominal", "axis": NAMES_AXIS},
            "tooltip": [
                {"field": "target", "type": "nominal", "title": _("Provider")},
                {
                    "field": CURRENCY_COLUMN,
                    "type": "quantitative",
                    "format": ",.4f",
                    "title": _("{currency} per second").format(currency=currency),
                },
                {"field": "cost_basis", "type": "nominal", "title": _("Cost from")},
            ],
        },
    }


def render_quality(rows: Sequence[Row], currency: str) -> None:
    """One point per provider/model: its cost per second of result against a lip-sync figure
    the person chooses; the ones left out, and why."""
    st.markdown(
        _("**Lip-sync quality against cost per second of result ({currency})**").format(
            currency=currency
        )
    )
    measure = st.selectbox(
        _("Quality shown as"),
        list(QUALITY_MEASURES),
        format_func=lambda name: _(QUALITY_MEASURES[name][0]),
        key=keys.COMPARE_QUALITY_MEASURE,
    )
    shown, missing = quality_points(rows, measure, currency)
    if not shown:
        st.info(
            _("No provider has both a cost per second in your currency and measured results yet.")
        )
    else:
        st.vega_lite_chart(layered(quality_chart(shown, measure, currency)), width="stretch")
    for reason in missing:
        st.caption(_("Not on this chart: {reason}").format(reason=reason))


def quality_points(rows: Iterable[Row], measure: str, currency: str) -> tuple[list[Row], list[str]]:
    """The rows the quality chart can show, and for each other one a sentence saying why not."""
    shown, missing = [], []
    for row in rows:
        if known(row[CURRENCY_COLUMN]) and known(row[measure]):
            shown.append(row)
            continue
        if row["provider"] == "twinsync" and not known(row[CURRENCY_COLUMN]):
            why = _("set your TwinSync price per second under Prices")
        elif not known(row[CURRENCY_COLUMN]):
            unit = str(row["unit"])
            why = (
                _(NO_PRICE[unit])
                if unit in NO_PRICE
                else _("no cost per second in {currency} is known").format(currency=currency)
            )
        elif not row["measured"]:
            why = _("none of its results has been measured yet")
        else:
            why = _("its measured results have no such figure (the mouth never moved)")
        missing.append(_("{target} — {why}.").format(target=row["target"], why=why))
    return shown, missing


def quality_chart(rows: Iterable[Row], measure: str, currency: str) -> Spec:
    words, number, domain = QUALITY_MEASURES[measure]
    title = _(words)
    columns = ["target", CURRENCY_COLUMN, measure, "measured"]
    return {
        "data": {"values": points(rows, columns)},
        "mark": {"type": "circle", "size": 160, "opacity": 0.9},
        "encoding": {
            "x": {
                "field": CURRENCY_COLUMN,
                "type": "quantitative",
                "title": _("{currency} per second of result").format(currency=currency),
                "scale": {"zero": True},
            },
            "y": {
                "field": measure,
                "type": "quantitative",
                "title": title,
                "scale": {"domain": domain} if domain else {"zero": True},
            },
            "color": {
                "field": "target",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom", "labelLimit": 0, "columns": 2},
            },
            "tooltip": [
                {"field": "target", "type": "nominal", "title": "Provider"},
                {
                    "field": CURRENCY_COLUMN,
                    "type": "quantitative",
                    "format": ",.4f",
                    "title": _("{currency} per second").format(currency=currency),
                },
                {"field": measure, "type": "quantitative", "format": number, "title": title},
                {"field": "measured", "type": "quantitative", "title": _("Results measured")},
            ],
        },
    }

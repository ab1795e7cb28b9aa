"""The ranking from the team's blind votes, next to what the lip-sync measures say."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lipsync_core.i18n import N_, _
from lipsync_core.quality_jobs import MeasuredFigures, measured_figures
from lipsync_core.ranking import Rated, Target, rank
from lipsync_core.votes import VoteStore
from ui.runtime import Runtime

COLUMNS = (
    "Rank",
    "Provider / model",
    "Rating",
    "Range (95 %)",
    "Votes",
    "Won · tied · lost",
    "Measured results",
    "Mouth moves",
    "Median offset (ms)",
    "Median confidence",
)
"""The frame's columns (their English headings; :func:`column_config` shows them translated)."""


def column_config() -> dict[str, st.column_config.Column]:
    """Each column's heading and help, in the reader's language."""
    return {
        "Rank": st.column_config.TextColumn(_("Rank")),
        "Provider / model": st.column_config.TextColumn(_("Provider / model")),
        "Rating": st.column_config.NumberColumn(
            _("Rating"), format="%.0f", help=_("From the blind votes; 1000 is the average.")
        ),
        "Range (95 %)": st.column_config.TextColumn(
            _("Range (95 %)"),
            help=_("Where the rating lies, with a confidence of 95 %; it narrows with votes."),
        ),
        "Votes": st.column_config.NumberColumn(_("Votes"), format="%d"),
        "Won · tied · lost": st.column_config.TextColumn(_("Won · tied · lost")),
        "Measured results": st.column_config.NumberColumn(_("Measured results"), format="%d"),
        "Mouth moves": st.column_config.NumberColumn(
            _("Mouth moves"),
            format="percent",
            help=_("Share of measured results whose lips move with the speech."),
        ),
        "Median offset (ms)": st.column_config.NumberColumn(
            _("Median offset (ms)"),
            format="%.0f",
            help=_("How far audio and lips are apart, either way."),
        ),
        "Median confidence": st.column_config.NumberColumn(
            _("Median confidence"),
            format="%.2f",
            help=_("How clearly the lips follow the audio (0–1)."),
        ),
    }


EXPLAINED = N_(
    "The rating is a Bradley–Terry fit of every vote (a tie counts half a win each), on the Elo "
    "scale: 100 points apart means one is preferred about 64 times in 100. The measured "
    "figures come from every result measured, voted on or not."
)
SANDBOX = N_(
    "Rows marked (sandbox) are the sandbox's results: it makes no lip movement, so they say "
    "nothing about the providers."
)


def ranking_frame(rated: list[Rated], figures: dict[Target, MeasuredFigures]) -> pd.DataFrame:
    """One row per provider/model: voted ones best first, then those only measured."""
    rows = [_row(str(place), r.target, r, figures.get(r.target)) for place, r in
            enumerate(rated, start=1)]  # fmt: skip
    voted = {r.target for r in rated}
    rows += [_row("–", t, None, figures[t]) for t in sorted(figures) if t not in voted]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _row(
    place: str, target: Target, rated: Rated | None, measured: MeasuredFigures | None
) -> list[object]:
    voted: list[object] = [None, _("no votes yet"), 0, "–"]
    if rated is not None:
        spread = f"{rated.low:.0f} – {rated.high:.0f}"
        record = f"{rated.wins} · {rated.ties} · {rated.losses}"
        voted = [round(rated.rating, 1), spread, rated.votes, record]
    figures: list[object] = [0, None, None, None]
    if measured is not None:
        figures = [measured.results, measured.moving_share, measured.median_offset_ms,
                   measured.median_confidence]  # fmt: skip
    return [place, target.label, *voted, *figures]


def render_ranking(runtime: Runtime, votes: VoteStore) -> None:
    rated = rank(votes.contests())
    figures = measured_figures(runtime.service.store)
    if not rated and not figures:
        st.info(_("No votes and no measured results yet."))
        return
    if not rated:
        st.caption(_("No votes yet: the table shows what the measures say so far."))
    st.dataframe(ranking_frame(rated, figures), hide_index=True, column_config=column_config())
    st.caption(_(EXPLAINED))
    if any(r.target.sandbox for r in rated) or any(t.sandbox for t in figures):
        st.caption(_(SANDBOX))

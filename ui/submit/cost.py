"""The submit page's cost panel: each chosen provider's estimate and the total, in the provider's
unit (AusyncLab credits, 302.ai PTC) and in the chosen currency, and when to ask before sending.

Prices, estimates and conversions are the core's (``lipsync_core.pricing``). The currency, the
rates the documents do not give (an AusyncLab credit, the TwinSync price) and the two limits
above which sending asks first (one on the total in the currency, one on AusyncLab credits,
because credits often have no price in the currency) are the team's, set once for everyone in
the editor here or on the Compare page (``ui.team_settings``). Nova always shows a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from lipsync_core import pricing
from lipsync_core.formats import number
from lipsync_core.i18n import _, translate_stored
from lipsync_core.pricing import ConversionRates, CostEstimate, Total, TwinSyncPrice
from lipsync_core.spending import Spend, money, not_counted, own_units, unit_words
from ui.labels import target_label
from ui.provider_words import PTC_WORDS
from ui.runtime import Runtime
from ui.submit.options import Target
from ui.team_settings import ON_SUBMIT, render_settings
from ui.timezones import viewer_timezone


@dataclass(frozen=True)
class CostSummary:
    """What the send button needs: the core's cost check, and the team's TwinSync price
    (kept with TwinSync jobs' estimates)."""

    spend: Spend
    twinsync_price: TwinSyncPrice | None = None


def render_cost(
    runtime: Runtime, targets: Sequence[Target], audio_seconds: float | None
) -> CostSummary:
    """The panel, at the team's prices and limits; nothing when no provider can be sent."""
    if not targets:
        return CostSummary(Spend([], None, "nothing"))
    st.subheader(_("Cost"))
    if any(model == "nova" for _provider, model in targets):
        st.warning(nova_warning(audio_seconds), icon=":material/payments:")
    with st.expander(_("The team's prices, and when to ask before sending")):
        team = render_settings(runtime, ON_SUBMIT, viewer_timezone())
    spend = team.check(targets, audio_seconds)
    if spend.total is None:
        st.info(_("The cost shows once the audio can be measured."))
        return CostSummary(spend, team.twinsync_price)
    st.markdown(cost_table(spend.estimates, team.rates, spend.total))
    st.caption(translate_stored(spend.total.explanation))
    if any(item.unit == "PTC" for item in spend.estimates):
        st.caption(_(PTC_WORDS) + ".")
    return CostSummary(spend, team.twinsync_price)


def nova_warning(audio_seconds: float | None) -> str:
    """Nova's price next to Prime's, and what this audio would cost with it."""
    nova = pricing.price_for("ausynclab", "nova").per_second or 0.0
    prime = pricing.price_for("ausynclab", "prime").per_second or 1.0
    text = _(
        "**AusyncLab Nova costs {nova} credits per second of audio: {times} times Prime "
        "({prime} credits per second).**"
    ).format(nova=number(nova), times=number(nova / prime), prime=number(prime))
    if audio_seconds is not None:
        amount = pricing.estimate("ausynclab", "nova", audio_seconds).amount or 0.0
        this_audio = _("This audio would use about **{amount} credits** with Nova.")
        text += " " + this_audio.format(amount=number(amount))
    return text


def cost_table(estimates: list[CostEstimate], rates: ConversionRates, total: Total) -> str:
    """A Markdown table: provider, its own unit, the currency, and how it was worked out."""
    header = _("| Provider | Cost | In {currency} | How |").format(currency=rates.currency)
    rows = [header, "|---|---|---|---|"]
    for item in estimates:
        value = pricing.to_currency(item, rates)
        converted = money(value) if value is not None else _("not known")
        label = target_label(item.provider, item.model or "")
        how = translate_stored(item.explanation)
        rows.append(f"| {label} | {unit_words(item)} | {converted} | {how} |")
    converted = f"**{money(total.amount)}**" if total.counted else _("not known")
    missing = ", ".join(not_counted(total))
    how = (
        _("{missing} not counted: set the prices above").format(missing=missing)
        if missing
        else _("all counted")
    )
    total_label = _("**Total**")
    rows.append(f"| {total_label} | {own_units(estimates) or '–'} | {converted} | {how} |")
    return "\n".join(rows)

"""The submit page's cost panel: each chosen provider's estimate and the total, in the provider's
unit (AusyncLab credits, 302.ai PTC) and in the chosen currency, and when to ask before sending.

Prices, estimates and conversions are the core's (``lipsync_core.pricing``). The person sets the
currency and the rates the documents do not give (an AusyncLab credit, their TwinSync price) in
the rates editor shared with the compare page (``ui.rates``: set once, used on both), and two
limits above which sending asks first: one on the total in the currency, one on AusyncLab
credits, because credits often have no price in the currency. Nova always shows a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import streamlit as st

from lipsync_core import pricing
from lipsync_core.pricing import ConversionRates, CostEstimate, Total, TwinSyncPrice
from ui import keys
from ui.labels import target_label
from ui.rates import ON_SUBMIT, render_rates
from ui.runtime import Runtime
from ui.submit.options import Target

DEFAULT_LIMIT = 5.0
DEFAULT_CREDIT_LIMIT = 10_000.0
UNMEASURED = "The audio's length could not be measured, so the cost is not known."


@dataclass(frozen=True)
class CostSummary:
    """What the send button needs: the total in words, and why to ask first (empty: don't)."""

    total: str
    reasons: list[str] = field(default_factory=list)
    twinsync_price: TwinSyncPrice | None = None  # the user's, kept with TwinSync jobs' estimates

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class CostSettings:
    rates: ConversionRates
    twinsync_per_second: float | None
    limit: float
    credit_limit: float

    @property
    def twinsync_price(self) -> TwinSyncPrice | None:
        if self.twinsync_per_second is None:
            return None
        return TwinSyncPrice(self.twinsync_per_second, self.rates.currency)


def render_cost(
    runtime: Runtime, targets: Sequence[Target], audio_seconds: float | None
) -> CostSummary:
    """The panel; nothing when no provider can be sent."""
    if not targets:
        return CostSummary("nothing")
    st.subheader("Cost")
    if any(model == "nova" for _, model in targets):
        st.warning(nova_warning(audio_seconds), icon=":material/payments:")
    settings = _settings()
    if audio_seconds is None:
        st.info("The cost shows once the audio can be measured.")
        return CostSummary("an unknown amount", [UNMEASURED])
    estimates = [
        pricing.estimate(*t, audio_seconds, twinsync_price_per_second=settings.twinsync_per_second)
        for t in targets
    ]
    total = pricing.estimate_total(estimates, settings.rates)
    st.markdown(cost_table(estimates, settings.rates, total))
    st.caption(total.explanation)
    reasons = confirmation_reasons(estimates, total, settings)
    return CostSummary(total_words(estimates, total), reasons, settings.twinsync_price)


def _settings() -> CostSettings:
    """The shared rates (also set on the compare page), and this page's two limits."""
    with st.expander("Prices and when to ask before sending"):
        prices = render_rates(ON_SUBMIT)
        currency = prices.rates.currency
        left, right = st.columns(2)
        limit = left.number_input(
            f"Ask first above this total ({currency})", min_value=0.0, value=DEFAULT_LIMIT,
            step=1.0, key=keys.SUBMIT_THRESHOLD,
        )  # fmt: skip
        credit_limit = right.number_input(
            "Ask first above this many AusyncLab credits", min_value=0.0,
            value=DEFAULT_CREDIT_LIMIT, step=1000.0, key=keys.SUBMIT_CREDIT_THRESHOLD,
        )  # fmt: skip
    return CostSettings(prices.rates, prices.twinsync_per_second, limit, credit_limit)


def nova_warning(audio_seconds: float | None) -> str:
    """Nova's price next to Prime's, and what this audio would cost with it."""
    nova = pricing.price_for("ausynclab", "nova").per_second or 0.0
    prime = pricing.price_for("ausynclab", "prime").per_second or 1.0
    text = (
        f"**AusyncLab Nova costs {nova:,.0f} credits per second of audio: {nova / prime:,.0f} "
        f"times Prime ({prime:,.0f} credits per second).**"
    )
    if audio_seconds is not None:
        amount = pricing.estimate("ausynclab", "nova", audio_seconds).amount or 0.0
        text += f" This audio would use about **{amount:,.0f} credits** with Nova."
    return text


def cost_table(estimates: list[CostEstimate], rates: ConversionRates, total: Total) -> str:
    """A Markdown table: provider, its own unit, the currency, and how it was worked out."""
    rows = [f"| Provider | Cost | In {rates.currency} | How |", "|---|---|---|---|"]
    for item in estimates:
        value = pricing.to_currency(item, rates)
        converted = money(value) if value is not None else "not known"
        label = target_label(item.provider, item.model or "")
        rows.append(f"| {label} | {unit_words(item)} | {converted} | {item.explanation} |")
    converted = f"**{money(total.amount)}**" if total.counted else "not known"
    missing = ", ".join(_not_counted(total))
    how = f"{missing} not counted: set the prices above" if missing else "all counted"
    rows.append(f"| **Total** | {own_units(estimates) or '–'} | {converted} | {how} |")
    return "\n".join(rows)


def money(value: float) -> str:
    """``0.077`` → ``0.077``, ``12.5`` → ``12.50``: at least cents, at most four decimals."""
    text = f"{value:,.4f}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"{value:,.{max(2, decimals)}f}"


def unit_words(item: CostEstimate) -> str:
    if item.amount is None:
        return "not published"
    if item.unit == "credits":
        return f"{item.amount:,.0f} credits"
    if item.unit == "PTC":
        return f"{item.amount:g} PTC"
    return money(item.amount)


def own_units(estimates: list[CostEstimate]) -> str:
    """Each provider unit's sum, e.g. ``250 credits + 0.077 PTC``."""
    sums: dict[str, float] = {}
    for item in estimates:
        if item.amount is not None and item.unit in ("credits", "PTC"):
            sums[item.unit] = sums.get(item.unit, 0.0) + item.amount
    return " + ".join(
        f"{amount:,.0f} credits" if unit == "credits" else f"{amount:g} PTC"
        for unit, amount in sums.items()
    )


def total_words(estimates: list[CostEstimate], total: Total) -> str:
    """The total as the dialog says it, e.g. ``250 credits + 0.077 PTC (USD 0.077 counted)``."""
    converted = f"{total.currency} {money(total.amount)}"
    missing = _not_counted(total)
    if missing:
        converted += f", without {', '.join(missing)}"
    own = own_units(estimates)
    return f"{own} ({converted})" if own else converted


def _not_counted(total: Total) -> list[str]:
    return [target_label(e.provider, e.model or "") for e in total.unknown]


def confirmation_reasons(
    estimates: list[CostEstimate], total: Total, settings: CostSettings
) -> list[str]:
    """Why sending should ask first: a total above the limit, or too many AusyncLab credits."""
    reasons = []
    if total.amount > settings.limit:
        reasons.append(
            f"The total, {total.currency} {total.amount:,.2f}, is above your limit of "
            f"{total.currency} {settings.limit:,.2f}."
        )
    credits = sum(e.amount or 0.0 for e in estimates if e.unit == "credits")
    if credits > settings.credit_limit:
        reasons.append(
            f"It uses {credits:,.0f} AusyncLab credits, above your limit of "
            f"{settings.credit_limit:,.0f} credits."
        )
    return reasons

"""The one check before money is spent: what a send will cost, in words, and whether to ask.

Every path that spends (Submit, sending the same again, Submit again on a card, the library's
Generate) computes a :class:`Spend` here (with the team's settings, see
:meth:`lipsync_core.team.TeamSettings.check`) and shows its words; above the team's limits (a
total in the team's currency, or a number of AusyncLab credits, because credits often have no
price in the currency) it asks before sending. An unknown cost always asks: nobody confirms what
they were not shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lipsync_core.flows.model import MODELS, target_display_name
from lipsync_core.formats import figure, number
from lipsync_core.formats import money as money_of
from lipsync_core.i18n import N_, _
from lipsync_core.pricing import (
    ConversionRates,
    CostEstimate,
    Total,
    estimate,
    estimate_total,
)

DEFAULT_LIMIT = 5.0
DEFAULT_CREDIT_LIMIT = 10_000.0
UNMEASURED = N_("The audio's length could not be measured, so the cost is not known.")


@dataclass(frozen=True)
class SpendLimits:
    """Above these, sending asks first: a total in the currency, and AusyncLab credits."""

    currency_limit: float = DEFAULT_LIMIT
    credit_limit: float = DEFAULT_CREDIT_LIMIT


@dataclass(frozen=True)
class Spend:
    """What one send costs: each target's estimate, the total, the words, and why to ask."""

    estimates: list[CostEstimate]
    total: Total | None
    words: str
    reasons: list[str] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.reasons)


def check_spend(
    targets: Sequence[tuple[str, str]],
    audio_seconds: float | None,
    rates: ConversionRates,
    *,
    twinsync_per_second: float | None = None,
    limits: SpendLimits | None = None,
) -> Spend:
    """The cost of sending one job per target for this audio, and the reasons to ask first."""
    limits = limits or SpendLimits()
    if audio_seconds is None:
        return Spend([], None, _("an unknown amount"), [_(UNMEASURED)])
    estimates = [
        estimate(provider, model, audio_seconds, twinsync_price_per_second=twinsync_per_second)
        for provider, model in targets
        if model in MODELS.get(provider, ())
    ]
    total = estimate_total(estimates, rates)
    return Spend(estimates, total, total_words(estimates, total), reasons(estimates, total, limits))


def reasons(estimates: Sequence[CostEstimate], total: Total, limits: SpendLimits) -> list[str]:
    """Why sending should ask first: a total above the limit, or too many AusyncLab credits."""
    found = []
    if total.amount > limits.currency_limit:
        found.append(
            _("The total, {total}, is above the team's limit of {limit}.").format(
                total=money_of(round(total.amount, 2), total.currency),
                limit=money_of(round(limits.currency_limit, 2), total.currency),
            )
        )
    credits = sum(e.amount or 0.0 for e in estimates if e.unit == "credits")
    if credits > limits.credit_limit:
        found.append(
            _(
                "It uses {credits} AusyncLab credits, above the team's limit of {limit} credits."
            ).format(credits=number(round(credits)), limit=number(round(limits.credit_limit)))
        )
    return found


def money(value: float) -> str:
    """``0.077`` → ``0.077``, ``12.5`` → ``12.50``: at least cents, at most four decimals (the
    current language's separators)."""
    return figure(value, 4, least_digits=2)


def unit_words(item: CostEstimate) -> str:
    """An estimate in its provider's own unit: ``250 credits``, ``0.077 PTC``, ``1.25``."""
    if item.amount is None:
        return _("not published")
    return (
        _in_unit(item.amount, item.unit) if item.unit in ("credits", "PTC") else money(item.amount)
    )


def _in_unit(amount: float, unit: str) -> str:
    """``250 credits``, ``0.077 PTC``: the providers' own units, never translated."""
    if unit == "credits":
        return f"{figure(amount, 0)} credits"
    return f"{figure(amount, 6, grouped=False)} PTC"


def own_units(estimates: Iterable[CostEstimate]) -> str:
    """Each provider unit's sum, e.g. ``250 credits + 0.077 PTC``."""
    sums: dict[str, float] = {}
    for item in estimates:
        if item.amount is not None and item.unit in ("credits", "PTC"):
            sums[item.unit] = sums.get(item.unit, 0.0) + item.amount
    return " + ".join(_in_unit(amount, unit) for unit, amount in sums.items())


def total_words(estimates: Sequence[CostEstimate], total: Total) -> str:
    """The total as a confirmation says it, e.g. ``250 credits + 0.077 PTC (USD 0.077 counted)``."""
    missing = not_counted(total)
    if not total.counted:
        converted = _("its price in {currency} is not known").format(currency=total.currency)
    else:
        converted = _money(total.amount, total.currency)
        if missing:
            converted = _("{amount}, without {targets}").format(
                amount=converted, targets=", ".join(missing)
            )
    own = own_units(estimates)
    return f"{own} ({converted})" if own else converted


def _money(value: float, currency: str) -> str:
    """``USD 0.077``, ``USD 12.50``: :func:`money`'s decimals, the language's own order."""
    text = f"{value:,.4f}".rstrip("0")
    decimals = max(2, len(text.split(".")[1]) if "." in text else 0)
    return money_of(round(value, decimals), currency, decimals)


def not_counted(total: Total) -> list[str]:
    """The targets whose cost could not be converted into the currency."""
    return [target_display_name(e.provider, e.model) for e in total.unknown]

"""What a lip-sync job costs: the providers' published prices, estimates, and currency totals.

Prices (with the document each comes from):

- AusyncLab Prime: 50 credits per second of audio; Nova: 5,000 credits per second of audio
  (shared/seeds/000, model table and notes).
- Kling through 302.ai: 0.007 PTC per ``identify-face`` call and 0.07 PTC per ``advanced-lip-sync``
  task, whatever the length; the status query is free (shared/seeds/003, "价格"). A job makes one
  call of each.
- TwinSync: no published price (shared/seeds/004); the user may set one per second of audio, in
  their own currency.

ASSUMPTION (not in any document): AusyncLab bills whole seconds of audio and rounds a fraction up
(7.3 s is billed as 8 s). The duration is first rounded to the millisecond, so a probe that reads
8.0000001 s is billed as 8 s.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lipsync_core.errors import LipsyncError, provider_display_name
from lipsync_core.flows.model import Cost, CostUnit, Job
from lipsync_core.formats import figure, money
from lipsync_core.i18n import DEFAULT_LANGUAGE, N_, _, use_language
from lipsync_core.media.limits import DEFAULT_MODELS

logger = logging.getLogger(__name__)

Unit = Literal["credits", "PTC", "currency", "unknown"]

KLING_IDENTIFY_FACE_PTC = 0.007
KLING_LIP_SYNC_PTC = 0.07


@dataclass(frozen=True)
class Price:
    """A provider model's published price: per second of audio or per job, in ``unit``."""

    provider: str
    model: str
    unit: Unit
    per_second: float | None
    per_job: float | None
    source: str


PRICES: dict[tuple[str, str], Price] = {
    ("ausynclab", "prime"): Price(
        "ausynclab", "prime", "credits", 50, None, "shared/seeds/000: Prime, 50 credits/giây"
    ),
    ("ausynclab", "nova"): Price(
        "ausynclab", "nova", "credits", 5_000, None, "shared/seeds/000: Nova, 5,000 credits/giây"
    ),
    ("kling", "advanced-lip-sync"): Price(
        "kling",
        "advanced-lip-sync",
        "PTC",
        None,
        KLING_IDENTIFY_FACE_PTC + KLING_LIP_SYNC_PTC,
        "shared/seeds/003: identify-face 0.007 PTC/次, advanced-lip-sync 0.07 PTC/次",
    ),
    ("twinsync", "videotalking"): Price(
        "twinsync", "videotalking", "unknown", None, None, "shared/seeds/004: no price published"
    ),
}


@dataclass(frozen=True)
class CostEstimate:
    """The expected cost of one job; ``amount`` is ``None`` when the price is not known."""

    provider: str
    model: str | None
    amount: float | None
    unit: Unit
    explanation: str


class ConversionRates(BaseModel):
    """What one unit of each provider's money costs in ``currency``; the user can change them.

    Defaults (said in plain words, for people, in :data:`RATE_SOURCES`):

    - ``ptc = 1.0``: ASSUMPTION — 302.ai sells PTC at 1 PTC = 1 USD on its pricing page; the
      seed document gives prices in PTC only.
    - ``ausynclab_credit = None``: AusyncLab publishes no price for a credit (shared/seeds/000
      gives credits per second only), so none is assumed; until the user enters the price from
      their plan, AusyncLab costs stay in credits and totals list them as not converted.

    The user's own TwinSync price is not a rate (it is already in ``currency``): it goes to
    :func:`estimate` as ``twinsync_price_per_second``, default ``None``.
    """

    model_config = ConfigDict(frozen=True)

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    ptc: float | None = Field(default=1.0, ge=0)
    ausynclab_credit: float | None = Field(default=None, ge=0)


# Where each default rate comes from, one sentence per rate a person can set: the fields of
# ConversionRates, and estimate()'s twinsync_price_per_second. Shown next to the rates, through
# _() (marked for the catalogue here).
RATE_SOURCES: dict[str, str] = {
    "ptc": N_("302.ai sells 1 PTC for 1 USD (assumption: its document gives prices in PTC only)."),
    "ausynclab_credit": N_(
        "AusyncLab publishes no price per credit (its document gives credits per second "
        "only): enter what a credit costs on your plan."
    ),
    "twinsync_price_per_second": N_(
        "TwinSync publishes no prices: enter the price per second you were quoted."
    ),
}


@dataclass(frozen=True)
class Total:
    """The sum in ``currency`` of the estimates that could be converted, and the ones that could
    not — never counted as zero."""

    amount: float
    currency: str
    counted: list[CostEstimate]
    unknown: list[CostEstimate]
    explanation: str

    @property
    def complete(self) -> bool:
        return not self.unknown


def price_for(provider: str, model: str | None = None) -> Price:
    """The price of ``provider``'s ``model`` (its default model when ``None``)."""
    if provider not in DEFAULT_MODELS:
        raise ValueError(
            f"Unknown provider {provider!r}; expected one of {sorted(DEFAULT_MODELS)}."
        )
    key = (provider, model or DEFAULT_MODELS[provider])
    if key not in PRICES:
        models = sorted(m for p, m in PRICES if p == provider)
        raise ValueError(f"Unknown model {model!r} for {provider}; expected one of {models}.")
    return PRICES[key]


def billed_seconds(audio_seconds: float) -> int:
    """ASSUMPTION: whole seconds, a fraction rounded up, after rounding to the millisecond."""
    return math.ceil(round(audio_seconds, 3))


def estimate(
    provider: str,
    model: str | None,
    audio_seconds: float,
    *,
    twinsync_price_per_second: float | None = None,
) -> CostEstimate:
    """The cost of one job whose audio lasts ``audio_seconds`` (as probed).

    ``twinsync_price_per_second`` is the user's own TwinSync price, in their currency.
    """
    if not math.isfinite(audio_seconds) or audio_seconds < 0:
        raise ValueError(f"audio_seconds must be a length in seconds, not {audio_seconds!r}")
    price = price_for(provider, model)
    if price.per_second is not None:
        return _per_second(price, audio_seconds)
    if price.per_job is not None:
        return _kling(price)
    return _twinsync(price, audio_seconds, twinsync_price_per_second)


def _per_second(price: Price, audio_seconds: float) -> CostEstimate:
    billed = billed_seconds(audio_seconds)
    rate = price.per_second or 0.0
    amount = rate * billed
    if billed == round(audio_seconds, 3):
        text = _("{rate} {unit} × {billed} s of audio = {amount} {unit}")
    else:
        text = _(
            "{rate} {unit} × {billed} s of audio (rounded up from {seconds} s) = {amount} {unit}"
        )
    explanation = text.format(
        rate=_num(rate),
        unit=price.unit,
        billed=figure(billed, 0, grouped=False),
        seconds=_num(audio_seconds),
        amount=_num(amount),
    )
    return CostEstimate(price.provider, price.model, amount, price.unit, explanation)


def _kling(price: Price) -> CostEstimate:
    amount = round(KLING_IDENTIFY_FACE_PTC + KLING_LIP_SYNC_PTC, 6)
    explanation = _(
        "{faces} PTC to find the faces + {task} PTC for the lip-sync task = {amount} PTC, "
        "whatever the audio length"
    ).format(
        faces=_num(KLING_IDENTIFY_FACE_PTC), task=_num(KLING_LIP_SYNC_PTC), amount=_num(amount)
    )
    return CostEstimate(price.provider, price.model, amount, "PTC", explanation)


def _twinsync(price: Price, audio_seconds: float, per_second: float | None) -> CostEstimate:
    if per_second is None:
        explanation = _(
            "TwinSync publishes no prices; set your price per second of audio to include it"
        )
        return CostEstimate(price.provider, price.model, None, "unknown", explanation)
    if not math.isfinite(per_second) or per_second < 0:
        raise ValueError(f"twinsync_price_per_second must be 0 or more, not {per_second!r}")
    amount = per_second * audio_seconds
    explanation = _(
        "{price} per second of audio (the price you set) × {seconds} s = {amount}"
    ).format(price=_num(per_second), seconds=_num(audio_seconds), amount=_num(amount))
    return CostEstimate(price.provider, price.model, amount, "currency", explanation)


def to_currency(estimate: CostEstimate, rates: ConversionRates) -> float | None:
    """``estimate`` in ``rates.currency``; ``None`` if its amount or its unit's rate is unknown."""
    rate = _rate(estimate, rates)
    if estimate.amount is None or rate is None:
        return None
    return round(estimate.amount * rate, 6)


def _rate(estimate: CostEstimate, rates: ConversionRates) -> float | None:
    if estimate.unit == "currency":
        return 1.0
    if estimate.unit == "PTC":
        return rates.ptc
    if estimate.unit == "credits" and estimate.provider == "ausynclab":
        return rates.ausynclab_credit
    return None


def estimate_total(estimates: Iterable[CostEstimate], rates: ConversionRates) -> Total:
    """Add up ``estimates`` in ``rates.currency``, listing those that cannot be converted."""
    counted, unknown, amount = [], [], 0.0
    for item in estimates:
        value = to_currency(item, rates)
        if value is None:
            unknown.append(item)
        else:
            counted.append(item)
            amount += value
    amount = round(amount, 6)
    return Total(
        amount, rates.currency, counted, unknown, _total_words(amount, counted, unknown, rates)
    )


def _total_words(
    amount: float, counted: list[CostEstimate], unknown: list[CostEstimate], rates: ConversionRates
) -> str:
    """The total in plain words; what could not be converted is named, never counted as zero."""
    reasons = "; ".join(f"{_name(e)} ({_why_unknown(e, rates)})" for e in unknown)
    if not counted and unknown:
        return _("Nothing could be converted to {currency} yet: {reasons}").format(
            currency=rates.currency, reasons=reasons
        )
    words = _("{amount} for {targets}").format(
        amount=_money(amount, rates.currency), targets=_names(counted) or _("nothing")
    )
    if not unknown:
        return words
    return _("{total}; not counted: {reasons}").format(total=words, reasons=reasons)


def _why_unknown(estimate: CostEstimate, rates: ConversionRates) -> str:
    if estimate.amount is None:
        return _("no published price")
    return _("no {currency} price set for a {unit}").format(
        currency=rates.currency, unit=estimate.unit.removesuffix("s")
    )


def _name(estimate: CostEstimate) -> str:
    name = provider_display_name(estimate.provider)
    if estimate.provider == "ausynclab" and estimate.model:
        return f"{name} {estimate.model.capitalize()}"
    return name


def _names(estimates: list[CostEstimate]) -> str:
    return ", ".join(_name(e) for e in estimates)


def _num(value: float) -> str:
    """``40000`` → ``40,000``, ``0.0770`` → ``0.077``: thousands separated, no trailing zeros
    (the current language's separators)."""
    return figure(value, 6)


def _money(amount: float, currency: str) -> str:
    """``amount`` of ``currency`` with the decimals :func:`_num` shows (``USD 0.077``)."""
    decimals = len(f"{amount:.6f}".rstrip("0").partition(".")[2])
    return money(round(amount, decimals), currency, decimals)


# Every unit an estimate can come in (:data:`Unit`) as the unit of a job's cost.
COST_UNITS: dict[Unit, CostUnit] = {
    "credits": CostUnit.CREDITS,
    "PTC": CostUnit.PTC,
    "currency": CostUnit.CURRENCY,
    "unknown": CostUnit.UNKNOWN,
}


def price_of(job: Job) -> TwinSyncPrice | None:
    """The user's price per second behind a job's estimate in their currency, if it has one."""
    cost, seconds = job.estimated_cost, job.inputs.audio_duration
    if cost is None or cost.unit is not CostUnit.CURRENCY or cost.amount is None:
        return None
    if not cost.currency or not seconds:
        return None
    return TwinSyncPrice(cost.amount / seconds, cost.currency)


@dataclass(frozen=True)
class TwinSyncPrice:
    """The user's own TwinSync price (TwinSync publishes none): ``per_second`` of audio, in
    ``currency`` (a three-letter code)."""

    per_second: float
    currency: str


def estimate_cost(
    provider: str,
    model: str,
    audio_seconds: float | None,
    *,
    twinsync_price_per_second: float | None = None,
    currency: str | None = None,
) -> Cost | None:
    """:func:`estimate` for the audio's length as a job's cost; ``None`` if it has none.

    ``twinsync_price_per_second`` is the user's own TwinSync price, in ``currency``: with it,
    a TwinSync estimate is a :attr:`CostUnit.CURRENCY` amount.
    """
    if audio_seconds is None:
        return None
    try:
        # The explanation is kept with the job: in English (shown with translate_stored).
        with use_language(DEFAULT_LANGUAGE):
            found = estimate(
                provider, model, audio_seconds, twinsync_price_per_second=twinsync_price_per_second
            )
    except (LipsyncError, ValueError, KeyError) as exc:
        logger.info("no estimate for %s/%s: %s", provider, model, exc)
        return None
    unit = COST_UNITS[found.unit]
    return Cost(
        amount=found.amount,
        unit=unit,
        estimated=True,
        explanation=found.explanation,
        currency=currency if unit is CostUnit.CURRENCY else None,
    )

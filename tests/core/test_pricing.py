"""Cost estimates per provider and model, currency conversion and totals, one table row each."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import get_args

import pytest
from pydantic import ValidationError

from lipsync_core.flows.model import CostUnit
from lipsync_core.pricing import (
    COST_UNITS,
    PRICES,
    RATE_SOURCES,
    ConversionRates,
    CostEstimate,
    Unit,
    billed_seconds,
    estimate,
    estimate_cost,
    estimate_total,
    price_for,
    to_currency,
)


@pytest.mark.parametrize(
    ("provider", "model", "seconds", "amount", "unit", "explanation"),
    [
        (
            "ausynclab",
            "prime",
            7.3,
            400,
            "credits",
            "50 credits × 8 s of audio (rounded up from 7.3 s) = 400 credits",
        ),
        ("ausynclab", "prime", 8.0, 400, "credits", "50 credits × 8 s of audio = 400 credits"),
        (
            "ausynclab",
            None,
            0.2,
            50,
            "credits",
            "50 credits × 1 s of audio (rounded up from 0.2 s)",
        ),
        (
            "ausynclab",
            "nova",
            7.3,
            40_000,
            "credits",
            "5,000 credits × 8 s of audio (rounded up from 7.3 s) = 40,000 credits",
        ),
        ("ausynclab", "nova", 60.0, 300_000, "credits", "= 300,000 credits"),
        ("ausynclab", "prime", 5.0000001, 250, "credits", "50 credits × 5 s of audio = 250"),
        ("ausynclab", "prime", 0.0, 0, "credits", "50 credits × 0 s of audio = 0 credits"),
        (
            "kling",
            "advanced-lip-sync",
            7.3,
            0.077,
            "PTC",
            "0.007 PTC to find the faces + 0.07 PTC for the lip-sync task = 0.077 PTC",
        ),
        ("kling", None, 59.9, 0.077, "PTC", "whatever the audio length"),
        ("twinsync", "videotalking", 7.3, None, "unknown", "TwinSync publishes no prices"),
        ("twinsync", None, 7.3, None, "unknown", "set your price per second of audio"),
    ],
)
def test_estimates_follow_the_published_prices(
    provider: str,
    model: str | None,
    seconds: float,
    amount: float | None,
    unit: str,
    explanation: str,
) -> None:
    """Each provider's estimate uses its documented price and explains itself in plain words."""
    result = estimate(provider, model, seconds)
    assert (result.provider, result.amount, result.unit) == (provider, amount, unit)
    assert result.model == price_for(provider, model).model
    assert explanation in result.explanation


@pytest.mark.parametrize(
    ("price", "seconds", "amount", "explanation"),
    [
        (0.05, 7.3, 0.365, "0.05 per second of audio (the price you set) × 7.3 s = 0.365"),
        (0.0, 12.0, 0.0, "0 per second of audio (the price you set) × 12 s = 0"),
    ],
)
def test_a_twinsync_price_set_by_the_user_is_used(
    price: float, seconds: float, amount: float, explanation: str
) -> None:
    """With the user's own TwinSync price, the estimate is in their currency."""
    result = estimate("twinsync", None, seconds, twinsync_price_per_second=price)
    assert (result.unit, result.explanation) == ("currency", explanation)
    assert result.amount == pytest.approx(amount)


def test_the_twinsync_price_does_not_change_other_providers() -> None:
    """The TwinSync setting is ignored for providers that publish a price."""
    assert estimate("kling", None, 5.0, twinsync_price_per_second=9.0).amount == 0.077


@pytest.mark.parametrize(
    ("seconds", "billed"),
    [(0.0, 0), (0.001, 1), (1.0, 1), (1.0004, 1), (1.0006, 2), (7.3, 8), (59.999, 60)],
)
def test_ausynclab_billing_rounds_up_to_whole_seconds(seconds: float, billed: int) -> None:
    """The stated assumption: whole seconds, fractions (above a millisecond) rounded up."""
    assert billed_seconds(seconds) == billed


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: estimate("heygen", None, 5.0), "Unknown provider"),
        (lambda: estimate("ausynclab", "ultra", 5.0), "Unknown model"),
        (lambda: estimate("kling", None, -1.0), "audio_seconds"),
        (lambda: estimate("kling", None, math.nan), "audio_seconds"),
        (
            lambda: estimate("twinsync", None, 5.0, twinsync_price_per_second=-2),
            "twinsync_price_per_second",
        ),
    ],
)
def test_impossible_requests_are_programming_errors(
    call: Callable[[], object], message: str
) -> None:
    """Unknown providers or models and negative or missing lengths raise ValueError."""
    with pytest.raises(ValueError, match=message):
        call()


def test_every_price_cites_its_document() -> None:
    """Each row of the price table names the seed document it comes from."""
    assert all(price.source.startswith("shared/seeds/00") for price in PRICES.values())
    assert set(PRICES) == {
        ("ausynclab", "prime"),
        ("ausynclab", "nova"),
        ("kling", "advanced-lip-sync"),
        ("twinsync", "videotalking"),
    }


def test_default_rates_are_usd_with_one_ptc_per_dollar_and_no_credit_price() -> None:
    """The defaults: USD, 1 PTC = 1 USD (an assumption), AusyncLab credits not priced."""
    rates = ConversionRates()
    assert (rates.currency, rates.ptc, rates.ausynclab_credit) == ("USD", 1.0, None)


def test_every_rate_a_person_can_set_says_where_its_default_comes_from() -> None:
    """Each rate of ConversionRates, and estimate's TwinSync price, has a sentence on its source."""
    rates = set(ConversionRates.model_fields) - {"currency"}
    assert "twinsync_price_per_second" in inspect.signature(estimate).parameters
    assert set(RATE_SOURCES) == rates | {"twinsync_price_per_second"}
    assert all(sentence.endswith(".") for sentence in RATE_SOURCES.values())


@pytest.mark.parametrize(
    ("provider", "model", "rates", "expected"),
    [
        ("kling", None, ConversionRates(), 0.077),
        ("kling", None, ConversionRates(currency="EUR", ptc=0.92), 0.07084),
        ("ausynclab", "prime", ConversionRates(), None),
        ("ausynclab", "prime", ConversionRates(ausynclab_credit=0.0002), 0.08),
        ("ausynclab", "nova", ConversionRates(ausynclab_credit=0.0002), 8.0),
        ("twinsync", None, ConversionRates(ptc=5, ausynclab_credit=1), None),
        ("kling", None, ConversionRates(ptc=None), None),
    ],
)
def test_conversion_into_a_currency(
    provider: str, model: str | None, rates: ConversionRates, expected: float | None
) -> None:
    """Credits and PTC convert at the user's rates; unknown prices or rates give None."""
    result = to_currency(estimate(provider, model, 8.0), rates)
    assert result == (None if expected is None else pytest.approx(expected))


def test_a_user_set_twinsync_price_is_already_in_the_currency() -> None:
    """A TwinSync estimate from the user's own price converts one to one."""
    twinsync = estimate("twinsync", None, 10.0, twinsync_price_per_second=0.1)
    assert to_currency(twinsync, ConversionRates(currency="EUR")) == pytest.approx(1.0)


def test_credits_of_an_unknown_provider_are_not_converted() -> None:
    """Credits are AusyncLab's; credits from anywhere else have no rate."""
    other = CostEstimate("other", None, 10.0, "credits", "")
    assert to_currency(other, ConversionRates(ausynclab_credit=1.0)) is None


@pytest.mark.parametrize(
    ("currency", "ptc", "credit"), [("usd", 1.0, None), ("USD", -1.0, None), ("USD", 1.0, -0.1)]
)
def test_rates_reject_impossible_values(currency: str, ptc: float, credit: float | None) -> None:
    """Currency codes are three capitals; prices cannot be negative."""
    with pytest.raises(ValidationError):
        ConversionRates(currency=currency, ptc=ptc, ausynclab_credit=credit)


def test_a_total_lists_what_it_could_not_count() -> None:
    """Unknown prices and unset rates are listed, never added as zero."""
    estimates = [
        estimate("kling", None, 8.0),
        estimate("ausynclab", "prime", 8.0),
        estimate("twinsync", None, 8.0),
    ]
    total = estimate_total(estimates, ConversionRates())
    assert (total.amount, total.currency, total.complete) == (0.077, "USD", False)
    assert [e.provider for e in total.counted] == ["kling"]
    assert [e.provider for e in total.unknown] == ["ausynclab", "twinsync"]
    assert total.explanation == (
        "USD 0.077 for Kling; not counted: AusyncLab Prime (no USD price set for a credit); "
        "TwinSync (no published price)"
    )


def test_a_total_with_every_rate_known_is_complete() -> None:
    """With a credit price and a TwinSync price set, everything is counted."""
    rates = ConversionRates(currency="EUR", ptc=0.9, ausynclab_credit=0.0001)
    estimates = [
        estimate("kling", None, 7.3),
        estimate("ausynclab", "prime", 7.3),
        estimate("ausynclab", "nova", 7.3),
        estimate("twinsync", None, 7.3, twinsync_price_per_second=0.02),
    ]
    total = estimate_total(estimates, rates)
    assert total.complete
    assert total.amount == pytest.approx(0.0693 + 0.04 + 4.0 + 0.146)
    assert total.explanation.startswith("EUR 4.2553 for Kling, AusyncLab Prime, AusyncLab Nova")


def test_a_total_with_nothing_convertible_says_so() -> None:
    """When no estimate has a price in the currency, the words say so instead of "0 for nothing"."""
    unknown = [estimate("twinsync", "videotalking", 5.0)]
    total = estimate_total(unknown, ConversionRates())
    assert not total.complete
    assert total.explanation.startswith("Nothing could be converted to USD yet: TwinSync (")


def test_an_empty_total_is_zero_and_complete() -> None:
    """Nothing to add up costs nothing."""
    total = estimate_total([], ConversionRates())
    assert (total.amount, total.complete, total.explanation) == (0.0, True, "USD 0 for nothing")


def test_every_unit_of_an_estimate_is_the_same_unit_of_a_job_cost() -> None:
    """No estimate's unit becomes "unknown" on the job: each has the CostUnit of its name."""
    assert {unit: CostUnit(unit) for unit in get_args(Unit)} == COST_UNITS


@pytest.mark.parametrize(
    ("provider", "model", "twinsync_price", "amount", "unit"),
    [
        ("ausynclab", "prime", None, 400.0, CostUnit.CREDITS),
        ("ausynclab", "nova", 0.5, 40_000.0, CostUnit.CREDITS),
        ("kling", "advanced-lip-sync", None, 0.077, CostUnit.PTC),
        ("twinsync", "videotalking", None, None, CostUnit.UNKNOWN),
        ("twinsync", "videotalking", 0.02, 0.146, CostUnit.CURRENCY),
    ],
)
def test_a_jobs_estimated_cost_keeps_the_unit_of_the_estimate(
    provider: str, model: str, twinsync_price: float | None, amount: float | None, unit: CostUnit
) -> None:
    """A job's estimate is in the estimate's unit; with the user's TwinSync price, currency."""
    cost = estimate_cost(provider, model, 7.3, twinsync_price_per_second=twinsync_price)
    assert cost is not None and cost.estimated
    assert cost.unit is unit
    assert cost.amount == (None if amount is None else pytest.approx(amount))


def test_a_job_without_a_measured_audio_has_no_estimate() -> None:
    """No audio length, no estimate (not a zero)."""
    assert estimate_cost("ausynclab", "prime", None) is None

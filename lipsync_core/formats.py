"""Numbers, money, percentages, durations and moments written for the current language (Babel),
moments in the reader's time zone.

English keeps the dashboard's plain style ("1,234.5", "USD 0.42", "12.3 s"); Vietnamese and
Chinese follow their own conventions ("1.234,5", "0,42 US$", "12,3 giây", "12.3秒").
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

from lipsync_core.i18n import current_language

BABEL_LOCALES = {"en": "en_US", "vi": "vi_VN", "zh": "zh_Hans_CN"}
ENGLISH_UNITS = {"duration-hour": "h", "duration-minute": "min", "duration-second": "s"}


def locale() -> Locale:
    """The Babel locale of the current language."""
    return _locale(current_language())


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[language])


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits else "")


def number(value: float, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals and the language's separators."""
    return format_decimal(value, format=_pattern(digits), locale=locale())


def figure(
    value: float, most_digits: int = 2, *, least_digits: int = 0, grouped: bool = True
) -> str:
    """``value`` with the decimals it needs, at most ``most_digits`` and at least
    ``least_digits``: "75", "7.25", "40,000", "0.077" ("7,25", "40.000" in Vietnamese).

    Rounded as Python rounds ``f"{value:.2f}"``, never in scientific notation; ``grouped=False``
    writes no thousands separator ("25000").
    """
    exact = Decimal(f"{value:.{most_digits}f}") or Decimal(0)  # never "-0"
    fraction = "0" * least_digits + "#" * (most_digits - least_digits)
    pattern = ("#,##0" if grouped else "0") + (f".{fraction}" if fraction else "")
    return format_decimal(exact, format=pattern, locale=locale())


def money(amount: float, currency: str, digits: int = 2) -> str:
    """An amount of money: "USD 0.42" in English, the language's own order elsewhere."""
    if current_language() == "en":
        return f"{currency} {number(amount, digits)}"
    pattern = "¤" + _pattern(digits) if current_language() == "zh" else _pattern(digits) + " ¤"
    return format_currency(amount, currency, format=pattern, locale=locale(), currency_digits=False)


def percent(share: float, digits: int = 0) -> str:
    """A share (0.25) as a percentage ("25%")."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(share, format=pattern, locale=locale())


def seconds(value: float, digits: int = 1) -> str:
    """A number of seconds with its unit ("12.3 s", "12,3 giây", "12.3秒")."""
    if current_language() == "en":
        return f"{number(value, digits)} s"
    return format_unit(
        value, "duration-second", length="short", format=_pattern(digits), locale=locale()
    )


def duration(total_seconds: float) -> str:
    """A length of time in the largest fitting units ("1 min 20 s", "2 h 5 min")."""
    whole = max(0, round(total_seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        (hours, "duration-hour"),
        (minutes, "duration-minute"),
        (secs if hours == 0 else 0, "duration-second"),
    ]
    shown = [(amount, unit) for amount, unit in parts if amount] or [(0, "duration-second")]
    return " ".join(_unit(amount, unit) for amount, unit in shown[:2])


def _unit(amount: int, unit: str) -> str:
    if current_language() == "en":
        return f"{amount} {ENGLISH_UNITS[unit]}"
    return format_unit(amount, unit, length="short", locale=locale())


def moment(when: datetime, zone: tzinfo = UTC) -> str:
    """A date and time in ``zone`` ("2026-12-02 11:40:05" in English, the language's own form
    elsewhere)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    if current_language() == "en":
        return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    return format_datetime(aware, format="medium", tzinfo=zone, locale=locale())

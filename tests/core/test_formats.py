"""Numbers, money, durations and moments are written the way each language writes them, moments
in the reader's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lipsync_core import formats
from lipsync_core.i18n import use_language

MOMENT = datetime(2026, 12, 2, 11, 40, 5, tzinfo=UTC)
SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("language", "number", "money", "seconds", "duration", "moment"),
    [
        ("en", "1,234.5", "USD 0.42", "12.3 s", "1 min 20 s", "2026-12-02 18:40:05"),
        ("vi", "1.234,5", "0,42 US$", "12,3 giây", "1 phút 20 giây", "18:40:05 2 thg 12, 2026"),
        ("zh", "1,234.5", "US$0.42", "12.3秒", "1分钟 20秒", "2026年12月2日 18:40:05"),
    ],
)
def test_each_language_writes_values_its_own_way(
    language, number, money, seconds, duration, moment
):
    with use_language(language):
        assert formats.number(1234.5, 1) == number
        assert formats.money(0.4234, "USD") == money
        assert formats.seconds(12.34) == seconds
        assert formats.duration(80) == duration
        assert formats.moment(MOMENT, SAIGON) == moment


def test_durations_use_the_two_largest_units():
    assert formats.duration(0) == "0 s"
    assert formats.duration(59.6) == "1 min"
    assert formats.duration(7500) == "2 h 5 min"
    with use_language("zh"):
        assert formats.duration(7500) == "2小时 5分钟"


def test_a_moment_without_a_zone_is_taken_as_utc():
    assert formats.moment(MOMENT.replace(tzinfo=None)) == "2026-12-02 11:40:05"
    assert formats.percent(0.254) == "25%"


@pytest.mark.parametrize(
    ("language", "value", "options", "written"),
    [
        ("en", 75.0, {}, "75"),
        ("en", 7.25, {}, "7.25"),
        ("en", 40000, {"most_digits": 6}, "40,000"),
        ("en", 0.0770000001, {"most_digits": 6}, "0.077"),
        ("en", 25000.0, {"most_digits": 6, "grouped": False}, "25000"),
        ("en", 12.5, {"most_digits": 4, "least_digits": 2}, "12.50"),
        ("en", -0.0001, {}, "0"),
        ("en", 1e-7, {"most_digits": 6}, "0"),
        ("vi", 1234.5, {}, "1.234,5"),
        ("vi", 7.25, {"grouped": False}, "7,25"),
        ("zh", 40000, {"most_digits": 6}, "40,000"),
    ],
)
def test_a_figure_has_the_decimals_it_needs(language, value, options, written):
    with use_language(language):
        assert formats.figure(value, **options) == written

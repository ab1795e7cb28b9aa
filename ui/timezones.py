"""The viewer's time zone: the browser's when Streamlit knows it and this machine knows its
rules, else UTC (and the pages say so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st


@dataclass(frozen=True)
class LocalTime:
    """The zone times are shown in, and the words for it (the browser's, else UTC)."""

    zone: tzinfo
    label: str
    from_browser: bool

    def format(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")


def local_time(browser_timezone: str | None) -> LocalTime:
    """The browser's time zone when Streamlit knows it and this machine knows its rules."""
    if browser_timezone:
        try:
            return LocalTime(ZoneInfo(browser_timezone), browser_timezone, True)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return LocalTime(UTC, "UTC", False)


def viewer_timezone() -> tzinfo:
    """The zone of the browser this page runs in (UTC if unknown)."""
    return local_time(st.context.timezone).zone

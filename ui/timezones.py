"""The viewer's time zone: the browser's when Streamlit knows it and this machine knows its
rules, else UTC (and the pages say so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from lipsync_core.formats import moment
from lipsync_core.i18n import DEFAULT_LANGUAGE, current_language


@dataclass(frozen=True)
class LocalTime:
    """The zone times are shown in, and the words for it (the browser's, else UTC)."""

    zone: tzinfo
    label: str
    from_browser: bool

    def format(self, when: datetime) -> str:
        """``when`` in this zone, written for the reader's language."""
        return moment(when, self.zone)


def local_time(browser_timezone: str | None) -> LocalTime:
    """The browser's time zone when Streamlit knows it and this machine knows its rules."""
    if browser_timezone:
        try:
            return LocalTime(ZoneInfo(browser_timezone), browser_timezone, True)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return LocalTime(UTC, "UTC", False)


def short_moment(when: datetime, zone: tzinfo, english: str) -> str:
    """``when`` in ``zone``: in English with the ``strftime`` pattern ``english`` (``03 Mar 2026
    06:30``), in another language its own form (:func:`lipsync_core.formats.moment`)."""
    if current_language() == DEFAULT_LANGUAGE:
        return when.astimezone(zone).strftime(english)
    return moment(when, zone)


def viewer_timezone() -> tzinfo:
    """The zone of the browser this page runs in (UTC if unknown)."""
    return local_time(st.context.timezone).zone

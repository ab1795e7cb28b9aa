"""API keys kept out of every text: a ``Secret`` that hides itself and removes itself from text.

``Secret.redact`` removes the key from a text however a provider may have echoed it: in any
letter case, URL-encoded (``quote`` and ``quote_plus`` forms), and any fragment of eight or more
characters of either (a truncated key). Each stretch of text made of such fragments becomes
``***``.

Keys shorter than ``MIN_SECRET_LENGTH`` are not redacted: a string that short cannot be told
apart from ordinary words (replacing it would mangle messages, and the gaps would spell the key
out), and no real provider key is that short. ``lipsync_core.config`` refuses such keys as
settings; the only short key a client meets in practice is the sandbox's public ``sandbox``.
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

REDACTED = "***"
MIN_SECRET_LENGTH = 8


def key_forms(value: str) -> set[str]:
    """The key as sent and its URL-encoded forms (``quote`` and ``quote_plus``, either safe set)."""
    return {
        value,
        quote(value),
        quote(value, safe=""),
        quote_plus(value),
        quote_plus(value, safe="/"),
    }


def _fragment_pattern(value: str) -> re.Pattern[str] | None:
    """Finds, overlapping and in any case, every 8-character window of every form of the key."""
    if len(value) < MIN_SECRET_LENGTH:
        return None
    windows = {
        form[i : i + MIN_SECRET_LENGTH]
        for form in key_forms(value)
        for i in range(len(form) - MIN_SECRET_LENGTH + 1)
    }
    alternatives = "|".join(re.escape(window) for window in sorted(windows))
    return re.compile(f"(?=({alternatives}))", re.IGNORECASE)


def _probes(value: str) -> tuple[str, ...] | None:
    """4-character pieces one of which every 8-character window of an ASCII form contains.

    A window starting at ``p`` holds the piece starting at the next multiple of 4 (at most
    ``p + 3``), so a text holding none of the pieces (in any case) holds no fragment of the key:
    most texts are cleared by a few substring searches instead of the full pattern.
    """
    forms = key_forms(value)
    if len(value) < MIN_SECRET_LENGTH or not all(form.isascii() for form in forms):
        return None
    return tuple({form.casefold()[q : q + 4] for form in forms for q in range(0, len(form) - 4, 4)})


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Merged ``(start, end)`` stretches covered by windows of the key."""
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(text):
        start, end = match.start(1), match.end(1)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


class Secret:
    """An API key that never shows itself in ``repr``, ``str`` or tracebacks."""

    __slots__ = ("_pattern", "_probes", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._pattern = _fragment_pattern(value)
        self._probes = _probes(value)

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """``text`` with every form and every fragment (>= 8 characters) of the key replaced."""
        if self._pattern is None or len(text) < MIN_SECRET_LENGTH:
            return text
        if self._probes is not None:
            folded = text.casefold()
            if not any(probe in folded for probe in self._probes):
                return text
        spans = _spans(self._pattern, text)
        if not spans:
            return text
        pieces: list[str] = []
        position = 0
        for start, end in spans:
            pieces += [text[position:start], REDACTED]
            position = end
        pieces.append(text[position:])
        return "".join(pieces)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

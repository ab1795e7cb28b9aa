"""The dashboard's words in English, Tiếng Việt and 中文: one gettext catalogue (managed with
Babel, ``lipsync_core/locales``), the language chosen per person.

Messages are English ``msgid`` strings with named ``{placeholders}``, marked with :func:`_`,
:func:`ngettext` or :func:`N_` (for constants translated where they are shown). Which language
:func:`_` answers in is, in order: a :func:`use_language` block, the source the dashboard
installs (the person's choice, kept in their session), else English.

Text kept with a job (an error, a note) is written in English by the background work and shown
through :func:`translate_stored`, which finds the message it was made from and answers in the
reader's language, so teammates reading in different languages each read their own.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache, wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

LANGUAGES = {"en": "English", "vi": "Tiếng Việt", "zh": "中文"}
"""The languages the dashboard speaks, each named in itself."""
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
MIN_LETTERS = 8  # of a template's own words, for it to be used to read stored text back
_JOINS = ((" + ", re.compile(r" \+ ")), (" ", re.compile(r"(?<=[.!?])\s+(?=[A-Z])")))
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
P = ParamSpec("P")
R = TypeVar("R")

_override: ContextVar[str | None] = ContextVar("lipsync_language", default=None)
_source: Callable[[], str | None] | None = None


def normalize_language(value: str | None) -> str | None:
    """Our code for a language tag ("vi-VN" -> "vi", "zh-Hans-CN" -> "zh"), or ``None``."""
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if code in LANGUAGES else None


def set_language_source(source: Callable[[], str | None] | None) -> None:
    """Install where the current person's language is read from (the dashboard's session)."""
    global _source
    _source = source


def current_language() -> str:
    """The language :func:`_` answers in now."""
    chosen = _override.get()
    if chosen is None and _source is not None:
        chosen = _source()
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Answer in ``language`` inside the block (background work keeps English with this)."""
    token = _override.set(normalize_language(language) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _override.reset(token)


def kept_in_english(work: Callable[P, R]) -> Callable[P, R]:
    """Run ``work`` in English: for work whose words are kept with a job (shown translated by
    :func:`translate_stored` to each reader)."""

    @wraps(work)
    def in_english(*args: P.args, **kwargs: P.kwargs) -> R:
        with use_language(DEFAULT_LANGUAGE):
            return work(*args, **kwargs)

    return in_english


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language``; compiled from its ``.po`` if ``make translations``
    has not been run (English needs none: the messages are English)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    compiled = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    source = compiled.with_suffix(".po")
    if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
        with compiled.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    return gettext.GNUTranslations(io.BytesIO(_compile(source)))


def _compile(po_file: Path) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_file.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for ``count`` things, in the current language."""
    return translations(current_language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (module constants)."""
    return message


def translate_stored(text: str | None) -> str | None:
    """English text kept with a job, in the current language: the message it was made from is
    found (its placeholders' values translated too); text from elsewhere is kept as it is."""
    if not text:
        return text
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return text
    return _translate_stored(language, text, 0)


@lru_cache(maxsize=8192)
def _translate_stored(language: str, text: str, depth: int) -> str:
    catalogue = translations(language)
    exact = catalogue.gettext(text)
    if exact != text or depth > 2:
        return exact
    for template, pattern in _templates(language):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = {
            name: _translate_stored(language, value, depth + 1)
            for name, value in found.groupdict().items()
        }
        try:
            return catalogue.gettext(template).format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return _translate_pieces(language, text, depth)


def _translate_pieces(language: str, text: str, depth: int) -> str:
    """Text joined from several messages (findings one after another, costs joined by " + "):
    each piece read back on its own."""
    for joiner, splitter in _JOINS:
        pieces = splitter.split(text)
        if len(pieces) > 1:
            read = [_translate_stored(language, piece, depth + 1) for piece in pieces]
            if read != pieces:
                return joiner.join(read)
    return text


@cache
def _templates(language: str) -> list[tuple[str, re.Pattern[str]]]:
    """Every catalogued message with placeholders, as a pattern; the most literal first."""
    catalogue = translations(language)
    messages = getattr(catalogue, "_catalog", {})
    found = []
    for key in messages:
        msgid = key[0] if isinstance(key, tuple) else key
        if isinstance(msgid, str) and _PLACEHOLDER.search(msgid):
            found.append((msgid, _pattern(msgid, numbers_only=not _has_words(msgid))))
    literal = lambda item: len(_PLACEHOLDER.sub("", item[0]))  # noqa: E731
    return sorted(set(found), key=literal, reverse=True)


def _has_words(template: str) -> bool:
    """Whether a template says enough besides its placeholders to be recognised by its words:
    "{target}: {state}" or "{amount} for {targets}" would match unrelated stored sentences (a
    provider's own "Not enough credits for this request"), so such a template reads stored text
    back only when each of its placeholders holds a number ("{seconds} s" in "42 s")."""
    return len(re.findall(r"[^\W\d_]", _PLACEHOLDER.sub("", template))) >= MIN_LETTERS


def _pattern(template: str, *, numbers_only: bool = False) -> re.Pattern[str]:
    value = r"[-+]?\d[\d.,]*" if numbers_only else ".+?"
    parts, seen, end = [], set(), 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[end : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{value})")
        seen.add(name)
        end = match.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts), re.DOTALL)

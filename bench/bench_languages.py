"""The cost of speaking three languages: a message looked up (``_()``), a number or a moment
written for the language, and text kept with a job read back in the reader's language
(``translate_stored``), the first time (its template searched for) and again (remembered).

Run: ``.venv/bin/python -m bench.bench_languages``. The stored texts are every catalogued
message with placeholders, filled in with sample values, as the background work writes them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from babel.messages.pofile import read_po

from lipsync_core import formats
from lipsync_core.i18n import LOCALE_DIR, _, _translate_stored, translate_stored, use_language

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def stored_texts() -> list[str]:
    """Every message with placeholders, filled in as the English background work would."""
    with (LOCALE_DIR / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    texts = []
    for message in catalogue:
        if isinstance(message.id, str) and PLACEHOLDER.search(message.id):
            names = set(PLACEHOLDER.findall(message.id))
            texts.append(message.id.format(**{name: f"7{name}" for name in names}))
    return texts


def per_call_us(action, calls: int) -> float:
    started = time.perf_counter()
    for _call in range(calls):
        action()
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    texts = stored_texts()
    moment = datetime(2026, 12, 2, 11, 40, 5, tzinfo=UTC)
    print(f"{len(texts)} stored message shapes")
    print(f"{'language':<10}{'_()':>10}{'number':>10}{'moment':>10}{'stored 1st':>12}{'again':>10}"
          f"{'matched':>9}")  # fmt: skip
    for language in ("en", "vi", "zh"):
        with use_language(language):
            lookup = per_call_us(lambda: _("Language"), 20_000)
            number = per_call_us(lambda: formats.number(1234.5, 1), 2_000)
            when = per_call_us(lambda: formats.moment(moment), 2_000)
            _translate_stored.cache_clear()
            started = time.perf_counter()
            read = [translate_stored(text) for text in texts]
            first = (time.perf_counter() - started) / max(1, len(texts)) * 1e6
            again = per_call_us(lambda: [translate_stored(text) for text in texts], 20)
            again /= max(1, len(texts))
            matched = sum(new != old for new, old in zip(read, texts, strict=True))
        print(f"{language:<10}{lookup:8.2f}µs{number:8.1f}µs{when:8.1f}µs{first:10.1f}µs"
              f"{again:8.2f}µs{matched:>6}/{len(texts)}")  # fmt: skip


if __name__ == "__main__":
    main()

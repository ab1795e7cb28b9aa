"""Text that came from outside, shown as plain text inside Streamlit's Markdown.

A provider's message, a teammate's job title, a file or video name or a link is untrusted: shown
through ``st.markdown``, ``st.error`` or a caption, ``![x](https://…)`` would make every viewer's
browser load a remote picture, and ``[x](…)``, ``**``, ``#`` or a table would change the page.
:func:`plain` backslash-escapes every character that starts Markdown markup (CommonMark lets any
ASCII punctuation be escaped), puts an invisible word joiner inside the patterns that
GitHub-flavoured Markdown turns into links by themselves (``https://``, ``www.``, e-mail
addresses) and folds line breaks, so the text reads exactly as it arrived.
"""

from __future__ import annotations

import re

MARKUP = re.compile(r"([\\`*_\[\]!<>#|~$])")
# GitHub-flavoured Markdown links ``https://…``, ``www.…`` and e-mail addresses by themselves,
# after escapes are read; an invisible word joiner inside each pattern stops that.
AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """``text`` as literal text for any Streamlit element that renders Markdown."""
    escaped = MARKUP.sub(r"\\\1", " ".join(str(text).split()))
    return AUTOLINK.sub(WORD_JOINER, escaped)

"""Outside text keeps its characters but loses its power to become Markdown markup."""

from __future__ import annotations

import pytest

from ui.plain import WORD_JOINER, plain


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Kling could not make this video: bad face (code 1201).", None),
        ("![x](https://evil.test/p.png)", "\\!\\[x\\](https:⁠//evil.test/p.png)"),
        ("**bold** _it_ `code` # h | t ~s~ $x$ <b>", None),
        ("line one\nline two", "line one line two"),
        ("write to a@b.test or www.b.test", "write to a⁠@b.test or www⁠.b.test"),
    ],
)
def test_plain_text_reads_as_it_arrived(text: str, shown: str | None) -> None:
    """Every markup character is escaped, links are broken invisibly, line breaks folded."""
    result = plain(text)
    if shown is not None:
        assert result == shown.replace("⁠", WORD_JOINER)
    unescaped = result.replace(WORD_JOINER, "").replace("\\", "")
    assert unescaped == " ".join(text.replace("\\", "").split())
    for mark in "*_`#|~$<>[]!":
        assert f"\\{mark}" in result or mark not in text

"""Secret.redact: every form and fragment of a key leaves a text, nothing else does."""

from __future__ import annotations

import pytest

from lipsync_core.redaction import Secret

KEY = "sk+Live/9f8e7d=abc def"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {KEY} here", "key *** here"),
        (f"key {KEY.upper()} here", "key *** here"),
        ("key sk%2BLive%2F9f8e7d%3Dabc%20def here", "key *** here"),
        ("key sk%2blive%2f9f8e7d%3dabc%20def here", "key *** here"),
        ("key sk%2BLive/9f8e7d%3Dabc%20def here", "key *** here"),
        ("key sk%2BLive%2F9f8e7d%3Dabc+def here", "key *** here"),
        ("truncated: sk+Live/9f… end", "truncated: ***… end"),
        ("tail: 7d=abc def", "tail: ***"),
        ("twice sk+Live/9 and 8e7d=abc", "twice *** and ***"),
        ("seven only: sk+Live", "seven only: sk+Live"),
        ("nothing of it at all", "nothing of it at all"),
        ("", ""),
    ],
)
def test_redact_removes_every_form_and_fragment_of_eight_or_more(text, expected):
    """Any case, quote or quote_plus forms, and fragments of >= 8 characters become ***."""
    assert Secret(KEY).redact(text) == expected


@pytest.mark.parametrize("short", ["", "a", "key", "sandbox"])
def test_keys_under_eight_characters_redact_nothing(short):
    """A key too short to tell apart from words leaves texts whole (config refuses such keys)."""
    text = "a sandbox key for a test"
    assert Secret(short).redact(text) == text


def test_a_secret_never_shows_itself():
    """repr and str of a Secret are a fixed mask; reveal() gives the key to the transport."""
    secret = Secret(KEY)
    assert repr(secret) == str(secret) == "Secret('***')"
    assert secret.reveal() == KEY

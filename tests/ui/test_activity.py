"""The activity list's words: who, what and when (in the viewer's time zone), with every text
that came from a person or a provider shown as plain text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lipsync_core.team import Action, Activity, SavedSettings, TeamSettings
from tests.views.conftest import read
from ui.activity import activity_line, what
from ui.team_settings import change_lines, changed_words

AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
HO_CHI_MINH = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7: 23:30 UTC is 06:30 the next day
PRIME, NOVA = ["ausynclab", "prime"], ["ausynclab", "nova"]
TWINSYNC = ["twinsync", "videotalking"]


@pytest.mark.parametrize(
    ("action", "details", "words"),
    [
        (Action.SENT, {"targets": [TWINSYNC], "title": None}, "sent a job to TwinSync"),
        (
            Action.SENT_GROUP,
            {"targets": [PRIME, NOVA, TWINSYNC], "title": "Ad *spring*"},
            "sent a comparison to AusyncLab Prime, AusyncLab Nova and TwinSync · “Ad *spring*”",
        ),
        (
            Action.SENT_AGAIN,
            {"targets": [["kling", "advanced-lip-sync"]], "again_of": "j1"},
            "sent a Kling job again",
        ),
        (
            Action.REMOVED,
            {"targets": [NOVA], "title": "Take 2", "sent_by": "bao@example.com"},
            "removed an AusyncLab Nova job from the history · “Take 2”",
        ),
        (Action.FAVOURITE, {"target": PRIME}, "chose AusyncLab Prime as a comparison's favourite"),
        (Action.FAVOURITE, {"target": None}, "cleared a favourite"),
        (
            Action.LIBRARY_REGISTERED,
            {"id": 31, "name": "intro_*v2*.mp4"},
            "registered a video at AusyncLab (#31) · “intro_*v2*.mp4”",
        ),
        (
            Action.LIBRARY_DELETED,
            {"shelf": "generated", "id": 9, "name": "[x](https://evil.example)"},
            "deleted the generated video [x](https://evil.example) at AusyncLab",
        ),
        (
            Action.SETTINGS_CHANGED,
            {"changes": {"currency": ["USD", "EUR"], "ausynclab_credit": [None, 0.002]}},
            "changed the team's prices and limits: Currency USD → EUR; "
            "Price of 1 AusyncLab credit not set → 0.002",
        ),
        (Action.SENT, {"targets": [["newprovider", "x"]]}, "sent a job to newprovider x"),
        (Action.SENT, {}, "sent a job to a provider"),
        ("voted", {"winner": "left"}, "voted"),
    ],
)
def test_each_action_reads_as_a_sentence(action: str, details: dict, words: str) -> None:
    """Every kind of action (and one this version does not know) is said in words, and what a
    person typed reads exactly as typed: no link, no emphasis."""
    shown = what(action, details)
    assert read(shown) == words
    assert not re.search(r"(?<!\\)\]\(", shown) and "*spring*" not in shown


@pytest.mark.parametrize(
    ("actor", "me", "who_words"),
    [
        ("ana@example.com", "ana@example.com", "you"),
        ("ana@example.com", None, "ana@example.com"),
        (None, None, "someone (no sign-in)"),
    ],
)
def test_a_line_says_when_in_the_viewers_zone_and_who(
    actor: str | None, me: str | None, who_words: str
) -> None:
    """The time is the viewer's (Ho Chi Minh City here), the person "you" or as recorded."""
    line = activity_line(
        Activity(AT, actor, Action.SENT, "j1", {"targets": [TWINSYNC]}), me, HO_CHI_MINH
    )
    assert read(line) == f"03 Mar 2026 06:30 · **{who_words}** sent a job to TwinSync"
    assert "\u2060@" in line if actor and who_words != "you" else "@" not in line


def test_settings_words_say_who_changed_them_and_when() -> None:
    """Next to the editor: the defaults, or the last person and time in the viewer's zone."""
    assert changed_words(SavedSettings(TeamSettings()), HO_CHI_MINH) == (
        "👥 The team's values: the defaults, which nobody has changed yet."
    )
    saved = SavedSettings(TeamSettings(currency="EUR"), 3, "ana@example.com", AT)
    assert read(changed_words(saved, HO_CHI_MINH)) == (
        "👥 The team's values, last changed by ana@example.com on 03 Mar 2026, 06:30."
    )


def test_the_confirmation_lists_each_changed_value() -> None:
    """The dialog lists old → new for each value that changes, and nothing else."""
    old = TeamSettings()
    new = TeamSettings(currency="VND", ptc=25_000.0, credit_limit=50_000.0)
    assert change_lines(old, new) == [
        "Currency: USD → VND",
        "Price of 1 PTC: 1 → 25000",
        "Ask first above this many credits: 10000 → 50000",
    ]

"""Each signed-in person's language, kept in the team's database (SQLite, then PostgreSQL): the
last choice wins, from any process, and a person's choice is theirs alone."""

from __future__ import annotations

import threading

import pytest

from lipsync_core.preferences import Preferences
from lipsync_core.schema import PERSON, make_engine, migrate

ANA, BAO = "ana@example.com", "bao@example.com"


@pytest.fixture
def preferences(database_url: str) -> Preferences:
    engine = make_engine(database_url)
    migrate(engine)
    yield Preferences(engine)
    engine.dispose()


def test_nobody_has_a_language_until_they_choose(preferences: Preferences) -> None:
    assert preferences.language(ANA) is None


def test_the_last_choice_is_kept_for_that_person_only(preferences: Preferences) -> None:
    preferences.set_language(ANA, "vi")
    preferences.set_language(ANA, "zh")
    preferences.set_language(BAO, "en")
    assert (preferences.language(ANA), preferences.language(BAO)) == ("zh", "en")


def test_another_process_reads_the_choice(preferences: Preferences, database_url: str) -> None:
    preferences.set_language(ANA, "vi")
    other = make_engine(database_url)
    try:
        assert Preferences(other).language(ANA) == "vi"
    finally:
        other.dispose()


def test_a_language_the_dashboard_does_not_speak_is_refused(preferences: Preferences) -> None:
    with pytest.raises(ValueError, match="fr"):
        preferences.set_language(ANA, "fr")
    assert preferences.language(ANA) is None


def test_a_very_long_person_id_is_bounded(preferences: Preferences) -> None:
    long_id = "a" * (PERSON + 50)
    preferences.set_language(long_id, "zh")
    assert preferences.language(long_id) == "zh"


def test_choices_made_at_once_by_two_sessions_leave_one_row(preferences: Preferences) -> None:
    """Two sessions of one person choose at the same moment: no error, one of the choices."""
    errors: list[BaseException] = []

    def choose(language: str) -> None:
        try:
            preferences.set_language(ANA, language)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=choose, args=(lang,)) for lang in ("vi", "zh") * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert preferences.language(ANA) in ("vi", "zh")

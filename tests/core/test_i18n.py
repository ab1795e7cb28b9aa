"""The message catalogue: every message the code marks is in it and translated into Vietnamese
and Chinese with the same placeholders; the language is chosen per context; text kept with a job
in English is read back in the reader's language."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from lipsync_core.config import default_language
from lipsync_core.errors import ConfigurationError
from lipsync_core.i18n import (
    LOCALE_DIR,
    _,
    current_language,
    kept_in_english,
    ngettext,
    normalize_language,
    translate_stored,
    use_language,
)

REPO = Path(__file__).resolve().parents[2]
TRANSLATED = ("vi", "zh")
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def marked_messages() -> dict[str, str | None]:
    """Every message the code marks (msgid -> its plural, if any), read as Babel extracts it."""
    method_map = [
        ("lipsync_core/sandbox/**.py", "ignore"),
        ("lipsync_core/**.py", "python"),
        ("ui/**.py", "python"),
        ("views/**.py", "python"),
        ("app.py", "python"),
    ]
    found: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:
            found[message] = None
    return found


def catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def marked() -> dict[str, str | None]:
    return marked_messages()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_message_is_translated(marked, language):
    """A message the code shows but the catalogue does not translate fails here (run
    ``make i18n-update`` and translate it in the .po files)."""
    translations = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue(language)}
    missing = [
        msgid
        for msgid in marked
        if msgid not in translations
        or not all(translations[msgid].string if isinstance(translations[msgid].string, tuple)
                   else [translations[msgid].string])
        or translations[msgid].fuzzy
    ]  # fmt: skip
    assert len(marked) > 100
    assert not missing, f"{len(missing)} messages lack a {language} translation: {missing[:20]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_of_the_english(language):
    wrong = []
    for message in catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(placeholders(text) for text in ids))
        wrong += [(ids[0], text) for text in strings if placeholders(text) != expected]
    assert not wrong, f"{language}: placeholders differ from the English: {wrong[:10]}"


def test_the_catalogue_holds_nothing_the_code_no_longer_marks(marked):
    for language in TRANSLATED:
        stale = [
            m.id
            for m in catalogue(language)
            if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in marked
        ]
        assert not stale, f"{language} keeps messages the code no longer has: {stale[:10]}"


def test_each_language_answers_in_its_own_words():
    assert _("Language") == "Language"
    with use_language("vi"):
        assert current_language() == "vi"
        vietnamese = _("Language")
    with use_language("zh"):
        chinese = _("Language")
    assert current_language() == "en"
    assert vietnamese != "Language" and chinese != "Language" and vietnamese != chinese
    assert re.search(r"[\u4e00-\u9fff]", chinese)


def test_plural_forms_are_one_form_in_vietnamese_and_chinese():
    plurals = [m for m in catalogue("vi") if isinstance(m.id, tuple)]
    for message in plurals[:5]:
        singular, plural = message.id
        with use_language("vi"):
            assert ngettext(singular, plural, 1) == ngettext(singular, plural, 7)
        assert ngettext(singular, plural, 1) == singular
        assert ngettext(singular, plural, 7) == plural


@pytest.mark.parametrize(
    ("tag", "code"),
    [("vi-VN", "vi"), ("vi", "vi"), ("zh-CN", "zh"), ("zh_Hans_CN", "zh"), ("en-GB", "en"),
     ("fr-FR", None), ("", None), (None, None)],
)  # fmt: skip
def test_browser_language_tags_map_to_ours(tag, code):
    assert normalize_language(tag) == code


def test_the_deployment_default_is_checked(tmp_path):
    none = tmp_path / "absent.toml"
    assert default_language({}, none) == "en"
    assert default_language({"LIPSYNC_LANGUAGE": "VI"}, none) == "vi"
    with pytest.raises(ConfigurationError, match="LIPSYNC_LANGUAGE"):
        default_language({"LIPSYNC_LANGUAGE": "fr"}, none)


def test_a_language_chosen_in_one_thread_stays_there():
    seen = []
    with use_language("zh"):
        worker = threading.Thread(target=lambda: seen.append(current_language()))
        worker.start()
        worker.join()
        assert current_language() == "zh"
    assert seen == ["en"]


def test_work_kept_with_a_job_is_written_in_english():
    @kept_in_english
    def words() -> str:
        return _("Language")

    with use_language("vi"):
        assert words() == "Language"


def test_text_kept_in_english_reads_in_the_readers_language():
    template = "{setting} is {value}; use one of {choices}."
    values = {"setting": "LIPSYNC_LANGUAGE", "value": "'fr'", "choices": "en, vi, zh"}
    stored = _(template).format(**values)
    with use_language("zh"):
        assert translate_stored(stored) == _(template).format(**values) != stored
        assert translate_stored("A provider's own words.") == "A provider's own words."
        assert translate_stored(None) is None
    assert translate_stored(stored) == stored


def test_text_joined_from_several_messages_reads_piece_by_piece():
    first, second = "reported by AusyncLab", "TwinSync does not publish its prices"
    with use_language("vi"):
        assert translate_stored(f"{first} + {second}") == f"{_(first)} + {_(second)}"
        sentences = "This link has no host name. This link has an invalid port number."
        expected = " ".join(_(s + ".") for s in sentences.rstrip(".").split(". "))
        assert translate_stored(sentences) == expected != sentences


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogue_passes_babels_own_checks(language):
    """What ``make i18n-compile`` (and so ``make run``) refuses: e.g. "95 % confidence" taken
    for a %-format and its translation found incompatible."""
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalogue(language).check()
    ]
    assert not problems, problems

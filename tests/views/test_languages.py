"""Every page in English, Tiếng Việt and 中文: no exception, the page's own title and the sidebar in
the chosen language, and no text on screen left in English where the catalogue has a translation.

A person's choice in the sidebar holds on every page of their session; the deployment's default
(``LIPSYNC_LANGUAGE``) applies until they choose.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from lipsync_core.i18n import LANGUAGES, LOCALE_DIR, _, use_language
from tests.views.conftest import APP, forget_runtime, open_at, read
from tests.views.test_app_frame import TITLES
from tests.views.test_team import ANA, BAO, open_as
from ui import keys

CJK = re.compile(r"[\u4e00-\u9fff]")
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def english_with_a_translation(language: str) -> set[str]:
    """The English messages (without placeholders) whose translation differs from them."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    return {
        message.id
        for message in catalogue
        if isinstance(message.id, str)
        and message.id
        and "{" not in message.id
        and message.string
        and message.string != message.id
    }


def shown_texts(at: AppTest) -> list[str]:
    """The words of the page and its sidebar: headings, text, labels, buttons, messages."""
    texts = [element.value for kind in ("title", "header", "subheader", "markdown", "caption",
             "info", "warning", "error", "success") for element in getattr(at, kind)]  # fmt: skip
    texts += [widget.label for kind in ("button", "checkbox", "radio", "selectbox", "multiselect",
              "text_input", "number_input", "toggle") for widget in getattr(at, kind)]  # fmt: skip
    texts += [element.value for kind in ("markdown", "caption", "info", "warning")
              for element in getattr(at.sidebar, kind)]  # fmt: skip
    return [text for text in texts if isinstance(text, str)]


def in_language(language: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[keys.LANGUAGE_CHOSEN] = language
    return at


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("page", list(TITLES))
def test_every_page_speaks_the_chosen_language(runtime, page, language):
    """(The test reads the page in the same language: AppTest reads a widget's value back
    through its ``format_func`` in the test's own thread.)"""
    with use_language(language):
        at = open_at(in_language(language), page)
        assert not at.exception
        title, picker = _(TITLES[page]), _("Language")
        assert [element.value for element in at.title] == [title]
        assert at.sidebar.selectbox(key=keys.LANGUAGE_PICKER).label == picker
        texts = shown_texts(at)
    if language == "en":
        return
    script = CJK if language == "zh" else VIETNAMESE
    assert sum(bool(script.search(text)) for text in texts) >= 3, texts
    left_in_english = english_with_a_translation(language) & set(texts)
    assert not left_in_english, f"shown in English on {page}: {sorted(left_in_english)}"


def test_the_choice_in_the_sidebar_holds_on_every_page(runtime):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.sidebar.selectbox(key=keys.LANGUAGE_PICKER).value == "en"
    at.sidebar.selectbox(key=keys.LANGUAGE_PICKER).set_value("zh").run()
    assert not at.exception
    with use_language("zh"):
        titles = {page: _(title) for page, title in TITLES.items()}
        assert [element.value for element in at.title] == [titles["views/submit_page.py"]]
        at.switch_page("views/status_page.py").run()
        assert [element.value for element in at.title] == [titles["views/status_page.py"]]
        assert at.sidebar.selectbox(key=keys.LANGUAGE_PICKER).value == "zh"


def test_the_deployment_default_applies_until_a_person_chooses(runtime, monkeypatch):
    monkeypatch.setenv("LIPSYNC_LANGUAGE", "vi")
    forget_runtime()
    at = AppTest.from_file(APP, default_timeout=60).run()
    with use_language("vi"):
        assert at.sidebar.selectbox(key=keys.LANGUAGE_PICKER).value == "vi"
        assert [element.value for element in at.title] == [_(TITLES["views/submit_page.py"])]
        at.sidebar.selectbox(key=keys.LANGUAGE_PICKER).set_value("en").run()
    assert [element.value for element in at.title] == [TITLES["views/submit_page.py"]]


def test_a_wrong_default_language_is_said_in_plain_words(runtime, monkeypatch):
    monkeypatch.setenv("LIPSYNC_LANGUAGE", "klingon")
    forget_runtime()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.sidebar.selectbox(key=keys.LANGUAGE_PICKER).value == "en"
    warnings = [read(warning.value) for warning in at.sidebar.warning]
    assert any("LIPSYNC_LANGUAGE" in warning and "klingon" in warning for warning in warnings)


def test_the_language_follows_the_browser(runtime):
    at = AppTest.from_file(APP, default_timeout=60)
    at.context = {"locale": "vi-VN"}
    at.run()
    with use_language("vi"):
        assert at.sidebar.selectbox(key=keys.LANGUAGE_PICKER).value == "vi"
        assert [element.value for element in at.title] == [_(TITLES["views/submit_page.py"])]


def test_a_signed_in_persons_choice_follows_them_to_another_browser(runtime):
    """Ana chooses 中文 in one browser; her next session (another computer, an English browser)
    opens in 中文; Bao's does not."""
    first = open_as(ANA)
    first.sidebar.selectbox(key=keys.LANGUAGE_PICKER).set_value("zh").run()
    assert runtime.service.preferences.language(ANA["email"]) == "zh"
    with use_language("zh"):
        again = open_as(ANA, locale="en-US")
        assert again.sidebar.selectbox(key=keys.LANGUAGE_PICKER).value == "zh"
        assert [element.value for element in again.title] == [_(TITLES["views/submit_page.py"])]
    other = open_as(BAO, locale="en-US")
    assert other.sidebar.selectbox(key=keys.LANGUAGE_PICKER).value == "en"

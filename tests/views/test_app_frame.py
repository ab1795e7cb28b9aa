"""The app frame: it starts, shows each provider's connection, and reaches every page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.views.conftest import APP, forget_runtime, open_at, read

TITLES = {
    "views/submit_page.py": "Submit a lip-sync job",
    "views/status_page.py": "Status",
    "views/compare_page.py": "Compare providers",
    "views/library_page.py": "AusyncLab library",
}
PAGES = list(TITLES)


def test_sidebar_shows_every_provider_on_the_sandbox_without_keys(app):
    """With no keys, the sidebar says Sandbox for all three providers and shows the badge."""
    lines = [m.value for m in app.sidebar.markdown]
    assert lines == [
        "🟡 **AusyncLab**: Sandbox",
        "🟡 **Kling**: Sandbox",
        "🟡 **TwinSync**: Sandbox",
    ]
    assert "no lip movement is generated" in app.sidebar.info[0].value


def test_a_live_key_turns_that_provider_live(runtime, monkeypatch):
    """Setting one provider's key makes only that provider Live."""
    monkeypatch.setenv("KLING_API_KEY", "live-key-for-test")
    forget_runtime()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    lines = [m.value for m in at.sidebar.markdown]
    assert "🟢 **Kling**: Live" in lines and "🟡 **TwinSync**: Sandbox" in lines
    assert all("live-key-for-test" not in line for line in lines)
    forget_runtime()


def test_a_wrong_setting_is_a_plain_message(runtime, monkeypatch):
    """LIPSYNC_SANDBOX=maybe stops the app with a sentence, not a traceback."""
    monkeypatch.setenv("LIPSYNC_SANDBOX", "maybe")
    forget_runtime()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert read(at.error[0].value) == "LIPSYNC_SANDBOX is 'maybe'; use auto, on or off."
    forget_runtime()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_an_exception(app, page):
    """Each page of the navigation renders, under its own title, with no traceback."""
    open_at(app, page)
    assert not app.exception
    assert [title.value for title in app.title] == [TITLES[page]]

"""The dashboard in each language in a real browser: it follows the browser's language, the
sidebar switches it for this person only, Chinese is drawn with real glyphs (a CJK font is
installed by the test setup), and one screenshot per language is kept.

Screenshots go to ``$LIPSYNC_SCREENSHOTS`` when set (to look at them), else to the test's
temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from lipsync_core.i18n import LANGUAGES, _, use_language

pytestmark = pytest.mark.browser

BROWSER_LOCALES = {"en": "en-US", "vi": "vi-VN", "zh": "zh-CN"}
HEADING = "Submit a lip-sync job"
# Two different Chinese characters drawn on a canvas: without a CJK font both come out as the
# same empty box (tofu), with one they differ.
GLYPHS_DIFFER = """() => {
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    const context = canvas.getContext("2d");
    context.font = "48px sans-serif";
    context.fillText(text, 4, 52);
    return canvas.toDataURL();
  };
  return draw("中") !== draw("语");
}"""


def heading(language: str) -> str:
    with use_language(language):
        return _(HEADING)


def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LIPSYNC_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_in(browser: Browser, url: str, locale: str) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    return page


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_dashboard_follows_the_browsers_language(browser, launch_app, tmp_path, language):
    app = launch_app()
    page = open_in(browser, app.url, BROWSER_LOCALES[language])
    try:
        expect(page.get_by_role("heading", name=heading(language)).first).to_be_visible(
            timeout=60_000
        )
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        if language == "zh":
            assert page.evaluate(GLYPHS_DIFFER), "Chinese characters are drawn as empty boxes"
        shot = screenshots(tmp_path) / f"submit-{language}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"{language}: {shot} ({shot.stat().st_size} bytes)")
        assert shot.stat().st_size > 20_000
    finally:
        page.context.close()


def test_the_sidebar_switch_is_this_persons_alone(browser, launch_app):
    app = launch_app()
    mine = open_in(browser, app.url, "en-US")
    theirs = open_in(browser, app.url, "en-US")
    try:
        expect(mine.get_by_role("heading", name=HEADING).first).to_be_visible(timeout=60_000)
        picker = mine.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first
        picker.get_by_role("combobox").click()
        mine.get_by_role("option", name=LANGUAGES["vi"]).click()
        expect(mine.get_by_role("heading", name=heading("vi")).first).to_be_visible()
        with use_language("vi"):
            status = _("Status")
        mine.get_by_test_id("stSidebarNav").get_by_text(status).click()
        expect(mine.get_by_role("heading", name=status).first).to_be_visible()
        theirs.reload()
        expect(theirs.get_by_role("heading", name=HEADING).first).to_be_visible(timeout=60_000)
    finally:
        mine.context.close()
        theirs.context.close()

"""The Compare and AusyncLab library pages in a real headless Chromium, against the sandbox.

The app runs as ``streamlit run app.py`` in its own process (sandbox on, 1 s jobs, a fresh data
folder). The library test registers a video through the page and waits for its thumbnail to
load; the compare test waits for the price chart to be drawn. Each takes a screenshot into the
test's temporary folder. The app and the browser come from ``tests/browser/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

UI_TIMEOUT_MS = 45_000


@pytest.fixture
def served_app(launch_app) -> str:
    """``streamlit run app.py`` over a fresh data folder (conftest); its base URL."""
    return launch_app().url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A tall page from the session's Chromium, so every chart is in view."""
    context = browser.new_context(viewport={"width": 1400, "height": 2200})
    opened = context.new_page()
    opened.set_default_timeout(UI_TIMEOUT_MS)
    yield opened
    context.close()


def open_page(page: Page, base_url: str, title: str) -> None:
    """Open the app, then the page through the sidebar as a person would."""
    page.goto(base_url)
    settle(page)
    page.get_by_role("link", name=title).click()
    settle(page)


def settle(page: Page) -> None:
    """Wait until the script run ended and no placeholder skeleton is left."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0)


def assert_no_error(page: Page) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)


def test_library_shows_a_registered_videos_thumbnail(
    served_app: str, page: Page, sample_video_path: Path, tmp_path: Path
) -> None:
    """A video registered on the page shows its thumbnail; deleting it asks, then removes it."""
    open_page(page, served_app, "AusyncLab library")
    expect(page.get_by_text("No registered videos yet.")).to_be_visible()
    page.get_by_text("Register a new video").click()
    page.get_by_label("Link to the video").fill(sample_video_path.as_uri())
    page.get_by_label("Name (optional)").first.fill("Browser test")
    page.get_by_role("button", name="Register video").click()
    expect(page.get_by_text("Registered as #")).to_be_visible()
    page.get_by_role("button", name="Details").first.click()
    image = page.locator('[data-testid="stImage"] img').first
    expect(image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    source = image.evaluate("img => img.src")
    assert source.startswith(f"{served_app}/media/"), "served by the dashboard, not the sandbox"
    expect(page.get_by_text("State: 🟢 COMPLETED")).to_be_visible()
    settle(page)
    assert_no_error(page)
    page.screenshot(path=str(tmp_path / "library.png"), full_page=True)
    page.get_by_role("button", name="Delete…").first.click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No registered videos yet.")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_compare_draws_the_price_chart(served_app: str, page: Page, tmp_path: Path) -> None:
    """The compare page draws its cost chart with no skeleton and no error left."""
    open_page(page, served_app, "Compare")
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible()
    expect(chart.locator("canvas, svg").first).to_be_visible()
    assert_no_error(page)
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)

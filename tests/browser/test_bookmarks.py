"""A bookmarked page, opened first on a freshly started server, still gets the app frame."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "heading"),
    [("status", "Status"), ("library", "AusyncLab library"), ("compare", "Compare providers")],
)
def test_a_bookmark_opened_first_shows_the_sidebar_and_the_page(
    page: Page, launch_app, path, heading
) -> None:
    """No other visit comes first: the page opens with the sidebar's connections and nav."""
    app = launch_app()
    page.goto(f"{app.url}/{path}")
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=60_000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("TwinSync: Sandbox")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Submit")).to_be_visible()

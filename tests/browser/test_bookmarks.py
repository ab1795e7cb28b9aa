"""First paint and bookmarks: on a freshly started server, the first load of any page's address
shows the real navigation (never file names) and opens that page (never "Page not found").

A script added before the page loads watches the document from its first node: every name the
sidebar's navigation ever shows, and whether "Page not found" was ever on screen.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

NAVIGATION = ["Submit", "Status", "Compare", "AusyncLab library"]
WATCH = r"""
window.__navSeen = [];
window.__notFound = false;
new MutationObserver(() => {
  document.querySelectorAll('[data-testid="stSidebarNav"] a').forEach((link) => {
    const lines = link.innerText.split("\n").map((line) => line.trim()).filter(Boolean);
    const name = lines.length ? lines[lines.length - 1] : "";  // after the icon's ligature
    if (name && !window.__navSeen.includes(name)) { window.__navSeen.push(name); }
  });
  if (document.body && document.body.innerText.includes("Page not found")) {
    window.__notFound = true;
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("", "Submit a lip-sync job"),
        ("submit", "Submit a lip-sync job"),
        ("status", "Status"),
        ("compare", "Compare providers"),
        ("library", "AusyncLab library"),
    ],
)
def test_a_bookmark_opened_first_shows_the_navigation_and_the_page(
    page: Page, launch_app, path, heading
) -> None:
    """The first visit to a fresh server at this address: the page's heading, the sidebar's
    connections, only the four real page names in the navigation, and never "Page not found"."""
    app = launch_app()
    page.add_init_script(WATCH)
    page.goto(f"{app.url}/{path}")
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=60_000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("TwinSync: Sandbox")).to_be_visible()
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    seen = page.evaluate("window.__navSeen")
    print(f"/{path}: navigation seen {seen}, address now {page.url}")
    assert sorted(seen) == sorted(NAVIGATION), seen
    assert not page.evaluate("window.__notFound"), f"/{path} showed 'Page not found'"

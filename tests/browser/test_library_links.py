"""The AusyncLab library in a real Chromium: media opens through the dashboard, the tab is kept.

One app (sandbox, 3 s jobs) and one walk: register the sample, generate from it, open the
Generated videos tab, Play and Delete there. Only a browser shows which tab is open after a
rerun, and where a player's video really comes from.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SLOW_MS = 60_000


def settle(page: Page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')


def open_tab(page: Page, name: str) -> None:
    """Click a tab until it is open: a click landing while the page refreshes itself (a job
    just started) is redrawn away by that run."""
    tab = page.get_by_role("tab", name=name)
    for _ in range(5):
        tab.click()
        settle(page)
        if tab.get_attribute("aria-selected") == "true":
            return
        page.wait_for_timeout(1_000)
    raise AssertionError(f"the tab {name!r} never opened")


def generate(page: Page, audio_link: str) -> None:
    """Fill and send the generate form until the cost dialog opens: the form first appears
    while the page still refreshes itself (the registration just finished), and a refresh
    landing on the click redraws the form instead."""
    for _ in range(5):
        page.get_by_label("Link to the audio").fill(audio_link, timeout=SLOW_MS)
        page.get_by_role("button", name="Generate lip-sync").click()
        try:
            expect(page.get_by_role("dialog")).to_be_visible(timeout=8_000)
            return
        except AssertionError:
            settle(page)
    raise AssertionError("the cost dialog never opened")


def expect_tab_open(page: Page, name: str) -> None:
    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


def test_media_opens_through_the_dashboard_and_the_tab_is_kept(
    page: Page, launch_app, sample_audio_path: Path, tmp_path: Path
) -> None:
    """Play's video comes from the dashboard's /media/ address and plays; no link on the page
    points at a file or the sandbox; after Play and Delete, Generated videos is still open."""
    app = launch_app()
    page.goto(f"{app.url}/library")
    expect(page.get_by_text("No registered videos yet.")).to_be_visible(timeout=SLOW_MS)
    page.get_by_text("Register a new video").click()
    page.get_by_text("…or the sample video").click()
    page.get_by_role("button", name="Register video").click()
    expect(page.get_by_text("Registered as #")).to_be_visible()
    generate(page, sample_audio_path.as_uri())
    page.get_by_role("dialog").get_by_role("button", name="Yes, generate").click()
    expect(page.get_by_text("started")).to_be_visible(timeout=SLOW_MS)

    open_tab(page, "Generated videos")
    play = page.get_by_role("button", name="▶ Play")
    expect(play).to_be_enabled(timeout=SLOW_MS)
    play.click()
    settle(page)
    expect_tab_open(page, "Generated videos")
    video = page.locator('[data-testid="stVideo"]').first
    expect(video).to_be_visible()
    source = video.evaluate("v => v.currentSrc || v.src")
    assert source.startswith(f"{app.url}/media/"), source
    page.wait_for_function("v => v.readyState >= 1 && !v.error", arg=video.element_handle())
    page.get_by_role("button", name="Details").last.click()
    settle(page)
    expect(page.locator('[data-testid="stAudio"]')).to_be_visible()
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    sandbox_ports = [h for h in hrefs if h.startswith(("file:", "http://127.0.0.1"))]
    assert [h for h in sandbox_ports if not h.startswith(app.url)] == []
    page.screenshot(path=str(tmp_path / "library-generated.png"), full_page=True)

    page.get_by_role("button", name="Delete…").last.click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    deleted = page.get_by_test_id("stAlertContentSuccess").get_by_text("Deleted the generated")
    expect(deleted).to_be_visible()
    settle(page)
    expect_tab_open(page, "Generated videos")
    expect(page.get_by_text("No generated videos yet.")).to_be_visible()

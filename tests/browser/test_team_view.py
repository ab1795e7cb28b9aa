"""Two dashboards on one database and data directory, as a team runs them: a job sent on one
appears on the other's Status page by itself, and both use the one sandbox of the directory."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_dashboard import TWINSYNC, fill_form, send_button

pytestmark = pytest.mark.browser


def test_a_job_sent_on_one_dashboard_appears_on_the_other_without_a_reload(
    browser: Browser, launch_app
) -> None:
    """Dashboard B shows its empty Status page; a teammate sends from dashboard A; B's page
    shows the new card on its own (no reload, no click), and one sandbox served both."""
    first, second = launch_app(), launch_app()
    watcher = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    watcher.goto(second.url)
    expect(watcher.get_by_role("heading", name="Submit a lip-sync job")).to_be_visible(
        timeout=60_000
    )
    watcher.get_by_role("link", name="Status", exact=True).click()
    expect(watcher.get_by_text("No jobs yet")).to_be_visible(timeout=30_000)
    watcher.evaluate("window.__same_page = true")

    sender = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    sender.set_default_timeout(60_000)
    fill_form(sender, first, TWINSYNC)
    send_button(sender, TWINSYNC).click()
    expect(sender.get_by_text("Sent 1 job to TwinSync.")).to_be_visible()

    expect(watcher.get_by_text("TwinSync", exact=False).first).to_be_visible(timeout=15_000)
    expect(watcher.get_by_text("1 job", exact=False)).to_be_visible(timeout=15_000)
    assert watcher.evaluate("window.__same_page") is True, "the page was reloaded"
    record = json.loads((first.data_dir / "sandbox" / "server.json").read_text())
    assert record["pid"] in {first.process.pid, second.process.pid}

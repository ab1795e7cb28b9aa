"""Text from outside is shown as text: a provider's message or a teammate's title written as
Markdown never makes a viewer's browser load a remote picture or follow a link.

A job is put in the history whose title, error and note hold a Markdown image pointing at a
real HTTP server on 127.0.0.1; the Status page is opened in Chromium, and the server must see
no request while the literal text is on the page.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer

from lipsync_core.flows.model import Job, JobState, utc_now
from tests.browser.conftest import RunningApp

pytestmark = pytest.mark.browser


def test_markdown_from_a_provider_or_a_teammate_is_not_rendered(
    page: Page, launch_app, httpserver: HTTPServer
) -> None:
    """The picture's server gets no request, and the card shows the Markdown as typed."""
    httpserver.expect_request("/pixel.png").respond_with_data(b"GIF89a", content_type="image/gif")
    picture = f"![pixel]({httpserver.url_for('/pixel.png')})"
    app: RunningApp = launch_app()
    now = utc_now()
    job = Job(
        id=uuid.uuid4().hex,
        provider="kling",
        model="advanced-lip-sync",
        title=f"Launch {picture} **bold**",
        state=JobState.FAILED,
        stage=None,
        error=f"Kling could not make this video: {picture} [click](https://example.invalid) "
        "or write to help@example.invalid or www.example.invalid.",
        note=f"<img src='{httpserver.url_for('/pixel.png')}'> # heading",
        created_at=now,
        updated_at=now,
        finished_at=now,
        sandbox=True,
    )
    app.store().insert(job)
    page.goto(app.url)
    expect(page.get_by_role("heading", name="Submit a lip-sync job")).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Status", exact=True).click()
    for start in ("Launch ![pixel](", "Kling could not make this video", "# heading"):
        # the card's lines arrive one after another: wait for each before reading the page
        expect(page.get_by_text(start, exact=False).first).to_be_visible(timeout=60_000)
    shown = page.locator("main").inner_text().replace("\u2060", "")
    for typed in (job.title, job.error, job.note):
        assert typed in shown
    assert page.locator("img[src*='pixel.png']").count() == 0
    assert page.locator("a[href*='example.invalid']").count() == 0
    assert page.locator("main a[href^='mailto:']").count() == 0
    page.wait_for_timeout(1000)
    assert httpserver.log == []

"""Kling's face panel in a real browser: after Send it is in view without scrolling, above the
"Sent to" sentence and the link to the cards, and Create says what happened.

Only a browser shows where the panel lands on the screen; the rest is proven by
tests/views/test_kling_step.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import RunningApp
from tests.browser.test_dashboard import fill_form, send_button
from ui.submit.kling_step import AUTO_LABEL

pytestmark = pytest.mark.browser

ONE_FACE = "Kling found one face: check where the audio goes, then create the task to send it."


def test_the_face_panel_is_in_view_after_send_and_says_what_create_did(
    page: Page, launch_app
) -> None:
    """Unticked "use the one face", Send leaves the panel and its button on screen, above the
    sentence about what was sent; Create replaces it with what happened and where to look."""
    app: RunningApp = launch_app()
    fill_form(page, app, "Kling", "TwinSync")
    page.locator("label").filter(has_text=AUTO_LABEL).click()
    send_button(page, "Kling", "TwinSync").click()
    heading = page.get_by_text(ONE_FACE)
    create = page.get_by_role("button", name="Create the Kling task")
    expect(heading).to_be_in_viewport()
    expect(create).to_be_in_viewport()
    sent = page.get_by_text("Sent 1 job to TwinSync. The status cards update by themselves.")
    link = page.get_by_role("link", name="Open the status cards")
    expect(sent).to_be_visible()
    assert heading.bounding_box()["y"] < sent.bounding_box()["y"] < link.bounding_box()["y"]
    create.click()
    expect(page.get_by_text("You chose face 0: the Kling task was created")).to_be_visible()
    expect(page.get_by_text("Sent 2 jobs as a new comparison: Kling and TwinSync.")).to_be_visible()
    expect(heading).to_have_count(0)

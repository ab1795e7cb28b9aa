"""The dashboard in a real browser: double-click "Send" for the samples to two providers, watch
the cards finish by themselves and play a result; restart the app while jobs run.

Run with ``pytest -m browser``; each test starts ``streamlit run app.py`` on a free port over its
own data folder, on the sandbox (3 s jobs), and drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from lipsync_core.flows.model import DownloadState, Job, JobState
from tests.browser.conftest import RunningApp

pytestmark = pytest.mark.browser

FINISH_SECONDS = 120
DONE_BADGE = re.compile(r"\bDone$")  # the badge's text follows its icon's name
PRIME, TWINSYNC = "AusyncLab Prime", "TwinSync"
SENT_BOTH = "Sent 2 jobs as a new comparison: AusyncLab Prime and TwinSync."
PLAY = """async (video) => {
    video.muted = true;
    await video.play();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const error = video.error && video.error.code;
    return {time: video.currentTime, ready: video.readyState, error: error};
}"""


def fill_form(page: Page, app: RunningApp, *labels: str) -> None:
    """Open the app, use the sample media, and tick the providers."""
    page.goto(app.url)
    page.get_by_role("button", name="Try the sample media").click()
    expect(page.get_by_text("Using face.mp4 (sample)")).to_be_visible()
    for label in labels:
        page.locator("label").filter(has_text=label).first.click()
    for label in labels:
        expect(page.get_by_text(f"✓ {label}: fits")).to_be_visible()


def send_button(page: Page, *labels: str):
    return page.get_by_role("button", name=f"Send to {' and '.join(labels)}")


def open_status(page: Page) -> None:
    """Go to the status page the way a person does: a link, not a reload."""
    page.get_by_role("link", name="Open the status cards").click()
    expect(page.get_by_role("heading", name="Status")).to_be_visible()


def wait_for_done(page: Page, count: int) -> None:
    """Wait, without reloading, until ``count`` cards say Done and the page has settled."""
    done = page.get_by_text(DONE_BADGE)
    deadline = time.monotonic() + FINISH_SECONDS
    while done.count() < count:
        assert time.monotonic() < deadline, f"only {done.count()} of {count} cards finished"
        page.wait_for_timeout(500)
    expect(page.locator("video")).to_have_count(count, timeout=FINISH_SECONDS * 1000)


def jobs_in(app: RunningApp) -> list[Job]:
    store = app.store()
    try:
        return store.list_jobs(limit=100)
    finally:
        store.close()


def settled(app: RunningApp) -> list[Job]:
    """The jobs once all are final and their results copied (or given up on), within bounds."""
    deadline = time.monotonic() + FINISH_SECONDS
    while True:
        jobs = jobs_in(app)
        pending = [j for j in jobs if not j.is_final or j.download_state is DownloadState.PENDING]
        if not pending or time.monotonic() > deadline:
            return jobs
        time.sleep(0.5)


def sandbox_creates(job: Job) -> list[str]:
    """The create calls (POSTs) the app's sandbox received, asked at its admin address."""
    base = (job.output_url or "").split("/files/")[0]
    assert base.startswith("http://127.0.0.1:"), job.output_url
    log = requests.get(f"{base}/_sandbox/requests", timeout=5).json()
    return sorted(r["path"] for r in log if r["method"] == "POST")


def test_two_providers_finish_on_their_own_and_the_result_plays(
    page: Page, launch_app, tmp_path: Path
) -> None:
    """Sample media to Prime and TwinSync, Send clicked repeatedly: one job per provider, both
    cards finish without a reload, and a result really plays.

    Streamlit folds a double click into one run; the later click reaches the page while it is
    redrawn after sending, which sends the same form again (same key: no new provider job)."""
    app = launch_app()
    fill_form(page, app, PRIME, TWINSYNC)
    send = send_button(page, PRIME, TWINSYNC)
    send.dblclick()
    page.wait_for_timeout(250)
    send.click(force=True)  # one more, while the page is still being redrawn
    expect(page.get_by_text(SENT_BOTH)).to_be_visible()
    open_status(page)
    page.evaluate("window.__same_page = true")
    wait_for_done(page, 2)
    assert page.evaluate("window.__same_page === true"), "the page was reloaded"
    played = page.locator("video").first.evaluate(PLAY)
    assert played["error"] is None and played["time"] > 0 and played["ready"] >= 2, played
    expect(page.get_by_text("Comparison: the same video and audio sent to")).to_be_visible()
    page.screenshot(path=str(tmp_path / "status.png"), full_page=True)
    jobs = jobs_in(app)
    assert sorted(job.provider for job in jobs) == ["ausynclab", "twinsync"]
    assert sandbox_creates(jobs[0]) == [
        "/ausynclab/api/v1/lipsync/generate-lipsync",
        "/ausynclab/api/v1/lipsync/register-video",
        "/twinsync/videotalking",
    ]


def test_jobs_running_when_the_app_stops_finish_after_a_restart(page: Page, launch_app) -> None:
    """Kill the app while its jobs run; started again over the same data, they finish."""
    app = launch_app()
    fill_form(page, app, PRIME, TWINSYNC)
    send_button(page, PRIME, TWINSYNC).click()
    expect(page.get_by_text(SENT_BOTH)).to_be_visible()
    assert not any(job.is_final for job in jobs_in(app))
    app.kill()
    again = launch_app()
    page.goto(again.url)
    page.get_by_role("link", name="Status").click()
    wait_for_done(page, 2)
    final = settled(again)
    assert all(job.state is JobState.SUCCEEDED and job.output_path for job in final), [
        (job.provider, job.state, job.error) for job in final
    ]

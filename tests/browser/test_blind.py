"""The blind test in a real headless Chromium: one click plays both unnamed results together.

The app runs as ``streamlit run app.py`` over a fresh data folder (``tests/browser/conftest.py``);
a finished comparison of two results (local copies of the sample clip, already measured) is
written into its history, as a finished sandbox comparison leaves it.
"""

from __future__ import annotations

import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lipsync_core.flows.model import (
    DownloadState,
    Job,
    JobQuality,
    JobState,
    QualityState,
    utc_now,
)
from lipsync_core.quality import SyncReport
from tests.browser.conftest import RunningApp

pytestmark = pytest.mark.browser

PLAYERS = ".st-key-blind_players video"
TIMES = "videos => videos.map(v => ({time: v.currentTime, paused: v.paused, error: v.error}))"


def seed_comparison(app: RunningApp, sample_video_path: Path) -> list[Job]:
    """Two succeeded, copied and measured results of one comparison, in the app's history."""
    store = app.store()
    try:
        group = store.insert_group(uuid.uuid4().hex).id
        outputs = app.data_dir / "outputs"
        outputs.mkdir(parents=True, exist_ok=True)
        now = utc_now()
        report = SyncReport(None, 0.2, False, face_share=1.0).to_dict()
        jobs = []
        for provider, model in (("ausynclab", "nova"), ("twinsync", "videotalking")):
            job_id = uuid.uuid4().hex
            shutil.copyfile(sample_video_path, outputs / f"{job_id}.mp4")
            jobs.append(
                Job(
                    id=job_id, provider=provider, model=model, group_id=group, stage=None,
                    state=JobState.SUCCEEDED, sandbox=True, download_state=DownloadState.DONE,
                    output_path=str(outputs / f"{job_id}.mp4"), created_at=now, updated_at=now,
                    finished_at=now + timedelta(seconds=20),
                    quality=JobQuality(state=QualityState.MEASURED, report=report),
                )
            )  # fmt: skip
        store.insert_many(jobs)
        return jobs
    finally:
        store.close()


def open_blind_test(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("link", name="Compare").click()
    page.get_by_role("tab", name="Blind test").click()
    expect(page.locator(PLAYERS)).to_have_count(2)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')


def test_one_click_plays_both_results_together(
    page: Page, launch_app, sample_video_path: Path, tmp_path: Path
) -> None:
    """After "Play both from the start", both videos run, side by side, within a frame or two;
    "Pause both" stops both."""
    app = launch_app()
    seed_comparison(app, sample_video_path)
    open_blind_test(page, app.url)
    videos = page.locator(PLAYERS)
    assert all(t["time"] == 0 for t in videos.evaluate_all(TIMES))
    page.get_by_role("button", name="▶ Play both from the start").click()
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{PLAYERS}')].every(v => v.currentTime > 1)"
    )
    first = videos.evaluate_all(TIMES)
    time.sleep(0.5)
    second = videos.evaluate_all(TIMES)
    for before, after in zip(first, second, strict=True):
        assert after["error"] is None and not after["paused"]
        assert after["time"] > before["time"], "each video's time advances"
    page.wait_for_function(  # within a frame or two (kept together while they play)
        f"() => {{ const [a, b] = document.querySelectorAll('{PLAYERS}');"
        " return !a.paused && !b.paused && Math.abs(a.currentTime - b.currentTime) < 0.25; }"
    )
    assert videos.evaluate_all("vs => vs.map(v => v.muted)") == [False, True], "A is heard"
    page.get_by_role("button", name="Sound from A (switch to B)").click()
    assert videos.evaluate_all("vs => vs.map(v => v.muted)") == [True, False], "now B"
    page.screenshot(path=str(tmp_path / "blind.png"), full_page=True)
    page.get_by_role("button", name="Pause both").click()
    paused = videos.evaluate_all(TIMES)
    assert all(state["paused"] for state in paused)
    time.sleep(0.3)
    assert [s["time"] for s in videos.evaluate_all(TIMES)] == [s["time"] for s in paused]
    page.get_by_role("button", name="A is better").click()
    expect(page.get_by_text("You picked A.")).to_be_visible()

"""The lip-sync measure where people decide: one line on each card (measured in the background,
not measured yet, why not, measured again on demand) and the figures under each player side by
side."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lipsync_core.flows.model import (
    DownloadState,
    Job,
    JobQuality,
    JobState,
    QualityState,
    utc_now,
)
from lipsync_core.quality import SyncReport
from tests.views.conftest import APP, APP_TIMEOUT, open_at, read
from tests.views.test_submit import NOVA, TWINSYNC, finish, jobs_of, sent
from ui import keys
from ui.quality import NOT_YET, SANDBOX_STILL, STILL
from ui.runtime import Runtime

STATUS = "views/status_page.py"
COMPARE = "views/compare_page.py"
MOVING = SyncReport(40.2, 0.91, True, face_share=1.0, duration_s=5.0)
STILL_REPORT = SyncReport(None, 0.21, False, face_share=1.0, duration_s=5.0)
NO_FACE = "No face was found in the video, so lip sync cannot be judged."


def wait_for(check: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def quality(report: SyncReport | None) -> JobQuality | None:
    """What the background measure stores for ``report`` (``None``: nothing asked yet)."""
    if report is None:
        return None
    state = QualityState.MEASURED if report.measured else QualityState.FAILED
    return JobQuality(state=state, report=report.to_dict(), measured_at=utc_now(), seconds=1.5)


def seed_results(
    runtime: Runtime,
    sample_video_path: Path,
    members: list[tuple[str, str, SyncReport | None]],
    *,
    sandbox: bool = True,
) -> list[Job]:
    """Succeeded jobs of one comparison, each with a local copy of the sample as its result."""
    group = runtime.service.store.insert_group(uuid.uuid4().hex).id
    outputs = runtime.settings.data_dir / "outputs"
    outputs.mkdir(parents=True, exist_ok=True)
    now = utc_now()
    made = []
    for provider, model, report in members:
        job_id = uuid.uuid4().hex
        output = outputs / f"{job_id}.mp4"
        shutil.copyfile(sample_video_path, output)
        made.append(
            Job(
                id=job_id, provider=provider, model=model, group_id=group, title="Greeting",
                state=JobState.SUCCEEDED, stage=None, sandbox=sandbox, output_path=str(output),
                download_state=DownloadState.DONE, created_at=now, updated_at=now,
                started_at=now, finished_at=now + timedelta(seconds=20), quality=quality(report),
            )
        )  # fmt: skip
    runtime.service.store.insert_many(made)
    return made


def hold(runtime: Runtime, job: Job) -> None:
    """Another process holds the job (its lease), so this one's background measure waits."""
    assert runtime.service.store.lease(job.id, "another process", utc_now(), 600)


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    open_at(app, page)
    assert not app.exception
    return app


def captions(app: AppTest) -> list[str]:
    return [read(c.value) for c in app.caption]


def test_a_sandbox_result_is_measured_by_itself_and_its_card_says_the_mouth_does_not_move(
    app: AppTest, runtime: Runtime
) -> None:
    """Sent, finished and copied: the background measures it and the card rings the alarm,
    saying it is expected of the sandbox."""
    sent(app, TWINSYNC)
    (job,) = finish(runtime, jobs_of(runtime))

    def measured() -> bool:
        return runtime.service.get(job.id).quality_state is QualityState.MEASURED

    wait_for(measured)
    report = runtime.service.get(job.id).quality.report
    assert report["mouth_moves"] is False
    open_at(app, STATUS)
    assert not app.exception
    assert SANDBOX_STILL in captions(app)


@pytest.mark.parametrize(
    ("report", "sandbox", "line"),
    [
        (None, True, NOT_YET),
        (MOVING, False, "Lip sync: the lips follow the audio in time (offset +40 ms)."),
        (STILL_REPORT, False, STILL),
        (STILL_REPORT, True, SANDBOX_STILL),
        (
            SyncReport(None, None, False, reason=NO_FACE),
            False,
            f"Lip sync could not be measured: {NO_FACE}",
        ),
    ],
    ids=["not-yet", "follows", "still-live", "still-sandbox", "why-not"],
)
def test_the_card_says_what_the_measure_found_in_one_line(
    runtime: Runtime,
    sample_video_path: Path,
    report: SyncReport | None,
    sandbox: bool,
    line: str,
) -> None:
    """Each outcome of the measure is one plain line on the result's card."""
    (job,) = seed_results(runtime, sample_video_path, [(*NOVA, report)], sandbox=sandbox)
    if report is None:
        hold(runtime, job)
    app = open_page(STATUS)
    lines = [text for text in captions(app) if "Lip sync" in text]
    assert lines == [line]


def test_a_result_is_measured_again_from_its_card(
    runtime: Runtime, sample_video_path: Path
) -> None:
    """Measure again makes the measure due: the card says so, and the background measures it."""
    (job,) = seed_results(runtime, sample_video_path, [(*NOVA, MOVING)])
    hold(runtime, job)
    app = open_page(STATUS)
    app.button(key=keys.card_action(job.id, "measure")).click().run()
    assert not app.exception
    assert NOT_YET in captions(app)
    assert runtime.service.get(job.id).quality_state is QualityState.PENDING
    runtime.service.store.release([job.id], "another process")

    def measured_again() -> bool:
        return runtime.service.get(job.id).quality_state is QualityState.MEASURED

    wait_for(measured_again)
    assert runtime.service.get(job.id).quality.report["mouth_moves"] is False
    app.run()
    assert not app.exception
    assert SANDBOX_STILL in captions(app)


def test_side_by_side_shows_offset_confidence_and_mouth_under_each_player(
    runtime: Runtime, sample_video_path: Path
) -> None:
    """Under each player: state, time and cost, then offset, confidence and mouth movement."""
    seed_results(
        runtime,
        sample_video_path,
        [("ausynclab", "nova", MOVING), ("twinsync", "videotalking", STILL_REPORT)],
    )
    app = open_page(COMPARE)
    side_by_side = app.tabs[2]
    assert len(side_by_side.get("video")) == 2
    shown = [read(c.value) for c in side_by_side.caption]
    assert "Offset: +40 ms · confidence: 0.91 · mouth moves: yes" in shown
    assert "Offset: none · confidence: 0.21 · mouth moves: no" in shown
    assert shown.count("✅ done · took 20 s · Cost: not known") == 2

"""Statistics per provider and model on a known, hand-built history."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from lipsync_core.flows.model import Cost, CostUnit, Job, JobInputs, JobState
from lipsync_core.stats import (
    LIVE,
    SANDBOX,
    STAT_COLUMNS,
    jobs_frame,
    output_seconds,
    provider_stats,
    split_environments,
)

START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PRIME, NOVA = ("ausynclab", "prime"), ("ausynclab", "nova")
KLING = ("kling", "advanced-lip-sync")
TWINSYNC = ("twinsync", "videotalking")


def make_job(
    target: tuple[str, str],
    state: JobState,
    *,
    seconds: float | None = None,
    sandbox: bool = False,
    estimate: float | None = None,
    used: float | None = None,
    used_estimated: bool = False,
    audio: float | None = None,
    video: float | None = None,
) -> Job:
    """A job created at START that finished ``seconds`` later (if it finished)."""
    provider, model = target
    unit = {"ausynclab": CostUnit.CREDITS, "kling": CostUnit.PTC}.get(provider, CostUnit.UNKNOWN)
    finished = START + timedelta(seconds=seconds) if seconds is not None else None
    return Job(
        id=f"job{next(_ids)}",
        provider=provider,
        model=model,
        state=state,
        created_at=START,
        finished_at=finished,
        sandbox=sandbox,
        inputs=JobInputs(audio_duration=audio, video_duration=video),
        estimated_cost=Cost(amount=estimate, unit=unit, estimated=True) if estimate else None,
        cost_used=(
            Cost(amount=used, unit=unit, estimated=used_estimated) if used is not None else None
        ),
    )


_ids = iter(range(1, 10_000))
OK, FAILED, RUNNING = JobState.SUCCEEDED, JobState.FAILED, JobState.RUNNING
# AusyncLab with no callback: the cost settled from the estimate, marked estimated.
SETTLED_ESTIMATE = {"estimate": 100, "used": 100, "used_estimated": True, "audio": 2.0}

HISTORY = [
    # Live Prime: five successes of 10..50 s, one fast failure, one still running.
    *[
        make_job(PRIME, OK, seconds=s, estimate=250, used=300, audio=5.0)
        for s in (10, 20, 30, 40, 50)
    ],
    make_job(PRIME, FAILED, seconds=1, estimate=250, audio=5.0),
    make_job(PRIME, RUNNING, estimate=250, audio=5.0),
    # Sandbox Prime: the same model, quick jobs with no reported credits (estimate settled).
    *[make_job(PRIME, OK, seconds=2, sandbox=True, **SETTLED_ESTIMATE) for _ in range(3)],
    # Live Kling: costs counted from the calls made; output keeps the video's length.
    make_job(KLING, OK, seconds=100, estimate=0.077, used=0.077, audio=4.0, video=10.0),
    make_job(KLING, OK, seconds=300, estimate=0.077, used=0.084, audio=4.0, video=10.0),
    make_job(KLING, FAILED, seconds=60, estimate=0.077, used=0.007, audio=4.0, video=10.0),
    # Live TwinSync: no price known, one success, one failure.
    make_job(TWINSYNC, OK, seconds=45, audio=3.0),
    make_job(TWINSYNC, FAILED, seconds=5, audio=3.0),
    # Live Nova: nothing finished yet.
    make_job(NOVA, RUNNING, estimate=25_000, audio=5.0),
]


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    return provider_stats(HISTORY).set_index(["environment", "provider", "model"])


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        ((LIVE, *PRIME), "jobs", 7),
        ((LIVE, *PRIME), "finished", 6),
        ((LIVE, *PRIME), "succeeded", 5),
        ((LIVE, *PRIME), "failed", 1),
        ((LIVE, *PRIME), "success_rate", 5 / 6),
        ((LIVE, *PRIME), "median_turnaround_s", 30.0),
        ((LIVE, *PRIME), "p90_turnaround_s", 46.0),
        ((LIVE, *PRIME), "unit", "credits"),
        ((LIVE, *PRIME), "reported_jobs", 5),
        ((LIVE, *PRIME), "used", 1500.0),
        ((LIVE, *PRIME), "estimate_for_used", 1250.0),
        ((LIVE, *PRIME), "used_vs_estimate", 1.2),
        ((LIVE, *PRIME), "output_seconds", 25.0),
        ((LIVE, *PRIME), "cost_per_output_second", 60.0),
        ((LIVE, *PRIME), "cost_basis", "reported"),
        ((SANDBOX, *PRIME), "jobs", 3),
        ((SANDBOX, *PRIME), "success_rate", 1.0),
        ((SANDBOX, *PRIME), "median_turnaround_s", 2.0),
        ((SANDBOX, *PRIME), "p90_turnaround_s", 2.0),
        ((SANDBOX, *PRIME), "reported_jobs", 0),
        ((SANDBOX, *PRIME), "used", None),
        ((SANDBOX, *PRIME), "used_vs_estimate", None),
        ((SANDBOX, *PRIME), "cost_per_output_second", 50.0),
        ((SANDBOX, *PRIME), "cost_basis", "estimated"),
        ((LIVE, *KLING), "success_rate", 2 / 3),
        ((LIVE, *KLING), "median_turnaround_s", 200.0),
        ((LIVE, *KLING), "p90_turnaround_s", 280.0),
        ((LIVE, *KLING), "unit", "PTC"),
        ((LIVE, *KLING), "reported_jobs", 3),
        ((LIVE, *KLING), "used", 0.168),
        ((LIVE, *KLING), "used_vs_estimate", 0.168 / 0.231),
        ((LIVE, *KLING), "output_seconds", 20.0),
        ((LIVE, *KLING), "cost_per_output_second", 0.161 / 20),
        ((LIVE, *TWINSYNC), "success_rate", 0.5),
        ((LIVE, *TWINSYNC), "median_turnaround_s", 45.0),
        ((LIVE, *TWINSYNC), "unit", None),
        ((LIVE, *TWINSYNC), "cost_per_output_second", None),
        ((LIVE, *NOVA), "finished", 0),
        ((LIVE, *NOVA), "success_rate", None),
        ((LIVE, *NOVA), "median_turnaround_s", None),
        ((LIVE, *NOVA), "p90_turnaround_s", None),
    ],
)
def test_each_figure_of_the_known_history(stats, row, column, expected):
    """Every figure per environment, provider and model is the hand-computed one."""
    value = stats.loc[row, column]
    if expected is None:
        assert value is None or (isinstance(value, float) and math.isnan(value))
    elif isinstance(expected, float):
        assert value == pytest.approx(expected)
    else:
        assert value == expected


def test_sandbox_and_live_jobs_of_one_model_are_never_mixed(stats):
    """The same provider and model make one row per environment, each with its own jobs."""
    assert stats.loc[(LIVE, *PRIME), "jobs"] + stats.loc[(SANDBOX, *PRIME), "jobs"] == 10
    parts = split_environments(provider_stats(HISTORY))
    assert list(parts[SANDBOX][["provider", "model"]].itertuples(index=False)) == [PRIME]
    assert len(parts[LIVE]) == 4
    assert "environment" not in parts[LIVE].columns


def test_rows_come_sorted_by_environment_provider_and_model():
    """Rows are in a stable order: live before sandbox, then provider, then model."""
    frame = provider_stats(HISTORY)
    keys = list(frame[["environment", "provider", "model"]].itertuples(index=False, name=None))
    assert keys == sorted(keys)


def test_an_empty_history_gives_an_empty_table_with_every_column():
    """No jobs: no rows, but the columns a page and a CSV expect."""
    frame = provider_stats([])
    assert frame.empty and list(frame.columns) == STAT_COLUMNS


@pytest.mark.parametrize(
    ("target", "audio", "video", "measured", "expected"),
    [
        (PRIME, 5.0, 8.0, None, 5.0),
        (TWINSYNC, 3.0, None, None, 3.0),
        (KLING, 4.0, 10.0, None, 10.0),
        (KLING, 4.0, None, None, 4.0),
        (PRIME, 5.0, 8.0, 6.5, 6.5),
        (PRIME, None, 8.0, None, None),
    ],
)
def test_output_length_rule(target, audio, video, measured, expected):
    """A measured output length wins; else the audio's, or the video's for Kling."""
    job = make_job(target, OK, seconds=1, audio=audio, video=video)
    lengths = {job.id: measured} if measured is not None else None
    assert output_seconds(job, lengths) == expected


def test_measured_output_lengths_change_the_cost_per_second():
    """Giving the real output lengths replaces the input-based ones in cost per second."""
    jobs = [make_job(PRIME, OK, seconds=5, estimate=250, used=250, audio=5.0)]
    measured = {jobs[0].id: 10.0}
    assert provider_stats(jobs, measured).loc[0, "cost_per_output_second"] == pytest.approx(25.0)


def test_jobs_frame_has_one_row_per_job_with_its_turnaround():
    """The per-job table (the CSV's raw rows) holds each job, turnaround only when succeeded."""
    frame = jobs_frame(HISTORY).set_index("id")
    assert len(frame) == len(HISTORY)
    assert frame.loc[HISTORY[0].id, "turnaround_s"] == 10.0
    assert math.isnan(frame.loc[HISTORY[5].id, "turnaround_s"])


def test_amounts_in_different_currencies_are_never_added_up() -> None:
    """TwinSync jobs priced by the user: the unit is the currency's code; the cost per second
    counts only the jobs in the group's main currency."""
    jobs = [make_job(TWINSYNC, OK, seconds=10, audio=4.0, video=4.0) for _ in range(3)]
    priced = [
        job.model_copy(
            update={
                "estimated_cost": Cost(
                    amount=amount, unit=CostUnit.CURRENCY, estimated=True, currency=currency
                )
            }
        )
        for job, (amount, currency) in zip(
            jobs, [(0.4, "EUR"), (0.8, "EUR"), (100.0, "VND")], strict=True
        )
    ]
    (row,) = provider_stats(priced).to_dict("records")
    assert row["unit"] == "EUR"
    assert row["cost_per_output_second"] == pytest.approx((0.4 + 0.8) / 8.0)

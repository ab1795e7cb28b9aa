"""Statistics per environment, provider and model, computed by the database (SQLite, then
PostgreSQL) over a known, hand-built history."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from lipsync_core.flows.model import Cost, CostUnit, Job, JobInputs, JobState
from lipsync_core.schema import jobs
from lipsync_core.stats import (
    JOB_COLUMNS,
    LIVE,
    SANDBOX,
    STAT_COLUMNS,
    Period,
    job_table,
    latest_comparisons,
    provider_stats,
    split_environments,
)
from lipsync_core.stats_sql import Rank, grouped, rank_parameters, ranked
from lipsync_core.store import JobStore

START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PRIME, NOVA = ("ausynclab", "prime"), ("ausynclab", "nova")
KLING = ("kling", "advanced-lip-sync")
TWINSYNC = ("twinsync", "videotalking")
OK, FAILED, RUNNING = JobState.SUCCEEDED, JobState.FAILED, JobState.RUNNING
UNITS = {"ausynclab": CostUnit.CREDITS, "kling": CostUnit.PTC}
_ids = iter(range(1, 1_000_000))


def make_job(
    target: tuple[str, str],
    state: JobState,
    *,
    took: float | None = None,
    waited: float = 3.0,
    sandbox: bool = False,
    estimate: float | None = None,
    used: float | None = None,
    used_estimated: bool = False,
    audio: float | None = None,
    video: float | None = None,
    created: datetime = START,
    group: str | None = None,
) -> Job:
    """A job created at ``created`` that the provider accepted ``waited`` s later (Kling: after
    a face was chosen) and that finished ``took`` s after that (if it finished)."""
    provider, model = target
    unit = UNITS.get(provider, CostUnit.UNKNOWN)
    started = created + timedelta(seconds=waited)
    finished = started + timedelta(seconds=took) if took is not None else None
    return Job(
        id=f"job{next(_ids):06d}",
        provider=provider,
        model=model,
        state=state,
        group_id=group,
        created_at=created,
        started_at=started,
        finished_at=finished,
        sandbox=sandbox,
        inputs=JobInputs(audio_duration=audio, video_duration=video),
        estimated_cost=Cost(amount=estimate, unit=unit, estimated=True) if estimate else None,
        cost_used=(
            Cost(amount=used, unit=unit, estimated=used_estimated) if used is not None else None
        ),
    )


def measure(
    store: JobStore,
    job: Job,
    offset_ms: float | None,
    confidence: float | None,
    moves: bool | None,
    state: str = "measured",
) -> None:
    """Store a lip-sync measure of ``job``'s result, as the background measurement does."""
    values = {"quality_state": state, "offset_ms": offset_ms, "sync_confidence": confidence,
              "mouth_moves": moves}  # fmt: skip
    with store.engine.begin() as connection:
        connection.execute(jobs.update().where(jobs.c.id == job.id).values(**values))


def damage_state(store: JobStore, job: Job) -> None:
    """Give the row a state no version of the app knows (a damaged row)."""
    with store.engine.begin() as connection:
        connection.execute(jobs.update().where(jobs.c.id == job.id).values(state="exploded"))


def damage_record(store: JobStore, job: Job) -> None:
    """Cut the row's JSON record in half, as a bug or a bad disk would (its columns stay)."""
    with store.engine.begin() as connection:
        data = connection.execute(sa.select(jobs.c.data).where(jobs.c.id == job.id)).scalar_one()
        connection.execute(
            jobs.update().where(jobs.c.id == job.id).values(data=data[: len(data) // 2])
        )


# AusyncLab with no callback: the cost settled from the estimate, marked estimated.
SETTLED_ESTIMATE = {"estimate": 100, "used": 100, "used_estimated": True, "audio": 2.0}


def build_history(store: JobStore) -> dict[str, list[Job]]:
    """The known history, saved through the store, with lip-sync measures of some results."""
    made = {
        # Live Prime: five successes taking 10..50 s once started, a fast failure, one running.
        "prime": [
            *[
                make_job(PRIME, OK, took=s, estimate=250, used=300, audio=5.0)
                for s in (10, 20, 30, 40, 50)
            ],
            make_job(PRIME, FAILED, took=1, estimate=250, audio=5.0),
            make_job(PRIME, RUNNING, estimate=250, audio=5.0),
        ],
        # Sandbox Prime: quick jobs with credits settled from the estimate; no lips move.
        "sandbox": [make_job(PRIME, OK, took=2, sandbox=True, **SETTLED_ESTIMATE) for _ in "abc"],
        # Live Kling: 500 s to choose a face before Kling had everything; output keeps the
        # video's length; costs counted from the calls made.
        "kling": [
            make_job(
                KLING, OK, took=100, waited=500, estimate=0.077, used=0.077, audio=4.0, video=10.0
            ),
            make_job(
                KLING, OK, took=300, waited=500, estimate=0.077, used=0.084, audio=4.0, video=10.0
            ),
            make_job(
                KLING,
                FAILED,
                took=60,
                waited=500,
                estimate=0.077,
                used=0.007,
                audio=4.0,
                video=10.0,
            ),
        ],
        # Live TwinSync: no price known, one success, one failure.
        "twinsync": [
            make_job(TWINSYNC, OK, took=45, audio=3.0),
            make_job(TWINSYNC, FAILED, took=5, audio=3.0),
        ],
        # Live Nova: nothing finished yet.
        "nova": [make_job(NOVA, RUNNING, estimate=25_000, audio=5.0)],
        # A live Prime success whose state column was damaged: it counts nowhere.
        "damaged": [make_job(PRIME, OK, took=999, estimate=250, used=9_999, audio=5.0)],
        # Before the period the tests ask for.
        "old": [make_job(PRIME, OK, took=5, created=START - timedelta(days=40), audio=5.0)],
    }
    store.insert_many(job for group in made.values() for job in group)
    prime = made["prime"]
    for job, figures in zip(
        prime, [(-80, 0.9, True), (40, 0.8, True), (-20, 0.7, True), (None, 0.2, False)],
        strict=False,
    ):  # fmt: skip
        measure(store, job, *figures)
    measure(store, prime[4], None, None, None, state="failed")
    for job, confidence in zip(made["sandbox"], (0.1, 0.3, 0.2), strict=True):
        measure(store, job, None, confidence, False)
    measure(store, made["damaged"][0], 5.0, 0.99, True)
    damage_state(store, made["damaged"][0])
    return made


@pytest.fixture
def store(database_url: str) -> Iterator[JobStore]:
    """A store over an empty database (SQLite, then PostgreSQL)."""
    store = JobStore(database_url)
    yield store
    store.close()


@pytest.fixture
def history(store: JobStore) -> dict[str, list[Job]]:
    return build_history(store)


PERIOD = Period(since=START - timedelta(days=30))


@pytest.fixture
def stats(store: JobStore, history: dict[str, list[Job]]) -> pd.DataFrame:
    return provider_stats(store, PERIOD).set_index(["environment", "provider", "model"])


FIGURES = [
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
    ((LIVE, *PRIME), "measured", 4),
    ((LIVE, *PRIME), "mouth_moves_share", 0.75),
    ((LIVE, *PRIME), "median_abs_offset_ms", 40.0),
    ((LIVE, *PRIME), "median_confidence", 0.75),
    ((SANDBOX, *PRIME), "jobs", 3),
    ((SANDBOX, *PRIME), "success_rate", 1.0),
    ((SANDBOX, *PRIME), "median_turnaround_s", 2.0),
    ((SANDBOX, *PRIME), "p90_turnaround_s", 2.0),
    ((SANDBOX, *PRIME), "reported_jobs", 0),
    ((SANDBOX, *PRIME), "used", None),
    ((SANDBOX, *PRIME), "used_vs_estimate", None),
    ((SANDBOX, *PRIME), "cost_per_output_second", 50.0),
    ((SANDBOX, *PRIME), "cost_basis", "estimated"),
    ((SANDBOX, *PRIME), "measured", 3),
    ((SANDBOX, *PRIME), "mouth_moves_share", 0.0),
    ((SANDBOX, *PRIME), "median_abs_offset_ms", None),
    ((SANDBOX, *PRIME), "median_confidence", 0.2),
    ((LIVE, *KLING), "success_rate", 2 / 3),
    ((LIVE, *KLING), "median_turnaround_s", 200.0),
    ((LIVE, *KLING), "p90_turnaround_s", 280.0),
    ((LIVE, *KLING), "unit", "PTC"),
    ((LIVE, *KLING), "reported_jobs", 3),
    ((LIVE, *KLING), "used", 0.168),
    ((LIVE, *KLING), "used_vs_estimate", 0.168 / 0.231),
    ((LIVE, *KLING), "output_seconds", 20.0),
    ((LIVE, *KLING), "cost_per_output_second", 0.161 / 20),
    ((LIVE, *KLING), "measured", 0),
    ((LIVE, *KLING), "mouth_moves_share", None),
    ((LIVE, *KLING), "median_confidence", None),
    ((LIVE, *TWINSYNC), "success_rate", 0.5),
    ((LIVE, *TWINSYNC), "median_turnaround_s", 45.0),
    ((LIVE, *TWINSYNC), "unit", None),
    ((LIVE, *TWINSYNC), "reported_jobs", 0),
    ((LIVE, *TWINSYNC), "cost_per_output_second", None),
    ((LIVE, *TWINSYNC), "cost_basis", None),
    ((LIVE, *NOVA), "jobs", 1),
    ((LIVE, *NOVA), "finished", 0),
    ((LIVE, *NOVA), "success_rate", None),
    ((LIVE, *NOVA), "median_turnaround_s", None),
    ((LIVE, *NOVA), "p90_turnaround_s", None),
    ((LIVE, *NOVA), "unit", "credits"),
    ((LIVE, *NOVA), "cost_per_output_second", None),
]


def assert_figure(value: object, expected: object) -> None:
    if expected is None:
        assert value is None or (isinstance(value, float) and math.isnan(value)), value
    elif isinstance(expected, float):
        assert value == pytest.approx(expected)
    else:
        assert value == expected


@pytest.mark.parametrize(("row", "column", "expected"), FIGURES)
def test_each_figure_of_the_known_history(stats, row, column, expected):
    """Every figure per environment, provider and model is the hand-computed one."""
    assert_figure(stats.loc[row, column], expected)


def test_turnaround_counts_from_when_the_provider_had_everything(stats, history):
    """Kling's 500 s face choice is not its turnaround: finished minus started, not created."""
    kling = history["kling"][:2]
    since_created = [(job.finished_at - job.created_at).total_seconds() for job in kling]
    assert since_created == [600.0, 800.0]
    assert stats.loc[(LIVE, *KLING), "median_turnaround_s"] == pytest.approx(200.0)


def test_a_row_whose_state_no_version_knows_counts_nowhere(stats, store):
    """The damaged row (a Prime success of 999 s and 9,999 credits) is in no figure, and a
    group made of damaged rows alone is no row."""
    prime = stats.loc[(LIVE, *PRIME)]
    assert (prime["jobs"], prime["used"], prime["p90_turnaround_s"]) == (7, 1500.0, 46.0)
    alone = make_job(TWINSYNC, OK, took=1, sandbox=True)
    store.insert_many([alone])
    damage_state(store, alone)
    assert (SANDBOX, *TWINSYNC) not in provider_stats(store, PERIOD).set_index(
        ["environment", "provider", "model"]
    ).index


def test_a_record_damaged_after_its_last_save_keeps_the_figures_saved_with_it(store, history):
    """The statistics read the columns saved with the job, never its record: a record cut in
    half changes no figure (the history still shows that job as damaged)."""
    before = provider_stats(store, PERIOD)
    damage_record(store, history["twinsync"][0])
    pd.testing.assert_frame_equal(provider_stats(store, PERIOD), before)


def test_sandbox_and_live_jobs_of_one_model_are_never_mixed(stats, store):
    """The same provider and model make one row per environment, each with its own jobs."""
    assert stats.loc[(LIVE, *PRIME), "jobs"] + stats.loc[(SANDBOX, *PRIME), "jobs"] == 10
    parts = split_environments(provider_stats(store, PERIOD))
    assert list(parts[SANDBOX][["provider", "model"]].itertuples(index=False)) == [PRIME]
    assert len(parts[LIVE]) == 4
    assert "environment" not in parts[LIVE].columns


def test_rows_come_sorted_by_environment_provider_and_model(store, history):
    """Rows are in a stable order: live before sandbox, then provider, then model."""
    frame = provider_stats(store, PERIOD)
    keys = list(frame[["environment", "provider", "model"]].itertuples(index=False, name=None))
    assert keys == sorted(keys)
    assert list(frame.columns) == STAT_COLUMNS


def test_the_period_leaves_out_older_jobs(store, history):
    """A job created before the period is not counted; over all time it is."""
    recent = provider_stats(store, PERIOD).set_index(["environment", "provider", "model"])
    ever = provider_stats(store).set_index(["environment", "provider", "model"])
    assert (recent.loc[(LIVE, *PRIME), "jobs"], ever.loc[(LIVE, *PRIME), "jobs"]) == (7, 8)
    assert ever.loc[(LIVE, *PRIME), "median_turnaround_s"] == pytest.approx(25.0)


@pytest.mark.parametrize(
    ("period", "filled"),
    [
        (Period(), False),
        (Period(since=START + timedelta(days=1)), True),
        (Period(until=START - timedelta(days=90)), True),
    ],
    ids=["empty history", "after every job", "before every job"],
)
def test_an_empty_period_gives_an_empty_table_with_every_column(store, period, filled):
    """No jobs in the period: no rows, but the columns a page and a CSV expect."""
    if filled:
        build_history(store)
    frame = provider_stats(store, period)
    assert frame.empty and list(frame.columns) == STAT_COLUMNS


@pytest.mark.parametrize(
    ("target", "audio", "video", "expected"),
    [
        (PRIME, 5.0, 8.0, 5.0),
        (TWINSYNC, 3.0, None, 3.0),
        (KLING, 4.0, 10.0, 10.0),
        (KLING, 4.0, None, 4.0),
        (PRIME, None, 8.0, None),
    ],
)
def test_output_length_rule(store, target, audio, video, expected):
    """A result lasts as long as the audio, or the video for Kling (the audio when unknown)."""
    job = make_job(target, OK, took=1, estimate=10, used=10, audio=audio, video=video)
    store.insert_many([job])
    row = provider_stats(store).iloc[0]
    assert_figure(row["output_seconds"], expected)
    assert_figure(row["cost_per_output_second"], None if expected is None else 10 / expected)


def test_jobs_without_a_cost_are_left_out_of_the_cost_per_second(store):
    """A success with no estimate and no reported cost counts as a success, never as free."""
    store.insert_many(
        [
            make_job(PRIME, OK, took=5, estimate=250, used=250, audio=5.0),
            make_job(PRIME, OK, took=5, audio=5.0),
        ]
    )
    (row,) = provider_stats(store).to_dict("records")
    assert (row["succeeded"], row["output_seconds"]) == (2, 5.0)
    assert row["cost_per_output_second"] == pytest.approx(50.0)


def test_amounts_in_different_currencies_are_never_added_up(store) -> None:
    """TwinSync jobs priced by the user: the unit is the currency's code, and the cost per second
    counts only the jobs in the group's most frequent currency."""
    priced = [
        make_job(TWINSYNC, OK, took=10, audio=4.0).model_copy(
            update={
                "estimated_cost": Cost(
                    amount=amount, unit=CostUnit.CURRENCY, estimated=True, currency=currency
                )
            }
        )
        for amount, currency in [(0.4, "EUR"), (0.8, "EUR"), (100.0, "VND")]
    ]
    store.insert_many(priced)
    (row,) = provider_stats(store).to_dict("records")
    assert (row["unit"], row["jobs"], row["succeeded"]) == ("EUR", 3, 3)
    assert row["cost_per_output_second"] == pytest.approx((0.4 + 0.8) / 8.0)


@pytest.mark.parametrize("count", [1, 2, 3, 10, 37])
def test_medians_and_9_in_10_match_linear_interpolation(store, count):
    """For any number of jobs, the database's figures are pandas' linear quantiles."""
    rng = random.Random(count)
    made = [
        make_job(KLING, OK, took=rng.uniform(1, 900), waited=rng.uniform(0, 300))
        for _ in range(count)
    ]
    store.insert_many(made)
    for job in made:
        measure(store, job, rng.uniform(-200, 200), rng.uniform(0, 1), True)
    (row,) = provider_stats(store).to_dict("records")
    took = pd.Series([(j.finished_at - j.started_at).total_seconds() for j in made])
    with store.engine.connect() as connection:
        stored = connection.execute(sa.select(jobs.c.offset_ms, jobs.c.sync_confidence)).all()
    offsets = pd.Series([abs(offset) for offset, _ in stored])
    confidences = pd.Series([confidence for _, confidence in stored])
    assert row["median_turnaround_s"] == pytest.approx(took.quantile(0.5))
    assert row["p90_turnaround_s"] == pytest.approx(took.quantile(0.9))
    assert row["median_abs_offset_ms"] == pytest.approx(offsets.quantile(0.5))
    assert row["median_confidence"] == pytest.approx(confidences.quantile(0.5))


def test_the_jobs_behind_the_statistics_are_read_from_their_columns(store, history):
    """The jobs' CSV table: one row per job of the environment in the period, newest first,
    with its figures and lip-sync measure; the damaged row is not one of them."""
    live = job_table(store, PERIOD, LIVE)
    assert list(live.columns) == JOB_COLUMNS
    expected = {job.id for name in ("prime", "kling", "twinsync", "nova") for job in history[name]}
    assert set(live["id"]) == expected
    rows = live.set_index("id")
    first = history["prime"][0]
    assert rows.loc[first.id, "turnaround_s"] == 10.0
    assert rows.loc[first.id, "started_at"] == first.started_at
    assert (rows.loc[first.id, "offset_ms"], rows.loc[first.id, "confidence"]) == (-80.0, 0.9)
    assert bool(rows.loc[first.id, "mouth_moves"]) and bool(rows.loc[first.id, "cost_reported"])
    assert math.isnan(rows.loc[history["prime"][5].id, "turnaround_s"])
    assert set(job_table(store, PERIOD, SANDBOX)["id"]) == {j.id for j in history["sandbox"]}
    assert list(job_table(store, Period(since=START + timedelta(days=1)), LIVE).columns) == (
        JOB_COLUMNS
    )


def test_latest_comparisons_give_one_job_of_each_newest_group(store):
    """Newest group first, at most ``limit``, one of its jobs each; a group whose jobs were all
    removed is not offered."""
    for n in range(4):
        made = START + timedelta(minutes=n)
        store.insert_group(f"group{n}", created_at=made)
        if n != 2:
            members = [make_job(t, OK, took=1, created=made, group=f"group{n}") for t in (KLING,
                       TWINSYNC)]  # fmt: skip
            store.insert_many(members)
    found = latest_comparisons(store, Period(since=START), limit=2)
    assert [job.group_id for job in found] == ["group3", "group1"]
    assert [job.group_id for job in latest_comparisons(store, Period(since=START))] == [
        "group3",
        "group1",
        "group0",
    ]


INDEX_OF_MEASURE = {
    "turnaround": "ix_jobs_statistics",
    "offset": "ix_jobs_offset",
    "confidence": "ix_jobs_confidence",
}


def explained(
    store: JobStore, statement: sa.Select, values: dict[str, object] | None = None
) -> list[str]:
    """SQLite's plan of ``statement`` (with ``values`` for its parameters): one line a step."""
    expanded = statement.compile(store.engine).construct_expanded_state(values or {})
    parameters = expanded.positional_parameters
    with store.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {expanded.statement}", parameters)
        return [str(row[-1]) for row in plan]


@pytest.mark.parametrize("database", ["sqlite"])
@pytest.mark.parametrize("period", [Period(), PERIOD], ids=["all time", "30 days"])
def test_sqlite_computes_the_statistics_from_indexes_alone(store, history, period):
    """SQLite's plans read the jobs table only through covering indexes, never its rows
    (PostgreSQL's planner chooses by its own statistics, so only SQLite's plan is fixed)."""
    values = period.parameters()
    for by_unit in ((), ((False, *PRIME),)):
        statement = grouped(**period.shape(), by_unit=by_unit)
        steps = [step for step in explained(store, statement, values) if "jobs" in step]
        assert steps and all("COVERING INDEX ix_jobs_statistics" in s for s in steps), steps
    measures = tuple(INDEX_OF_MEASURE)
    ranks = [Rank(False, *PRIME, measure, 1) for measure in measures]
    steps = explained(store, ranked(measures, **period.shape()), rank_parameters(period, ranks))
    assert sorted(step.split(" (")[0] for step in steps if "jobs" in step) == [
        f"SEARCH jobs USING COVERING INDEX {index}" for index in sorted(INDEX_OF_MEASURE.values())
    ]
    assert not [step for step in steps if "TEMP B-TREE" in step]

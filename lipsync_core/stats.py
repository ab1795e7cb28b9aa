"""Measured statistics over the job history, per environment, provider and model, computed by
the database (the statements are in :mod:`lipsync_core.stats_sql`; nothing here reads a job's
record, and no more than a few dozen rows come back whatever the history's size).

Definitions (the documents are silent, so these are ours, and the Compare page says them):

* **turnaround** is ``finished_at - started_at`` of a *succeeded* job: from the moment the
  provider had everything it needed (it accepted the job; for Kling, after the person chose a
  face) until the result was ready, so a person's own wait is never counted against a provider.
  Failed jobs are left out: a fast refusal says nothing about how long a result takes.
* **success rate** is succeeded / finished; jobs still queued, running or waiting for input
  do not count yet.
* **median** and **9 in 10** (the 90th percentile) interpolate linearly between the two
  closest ranks, as pandas' ``quantile`` and PostgreSQL's ``percentile_cont`` do.
* **used** adds the amounts the provider reported (a cost not marked estimated: AusyncLab
  callbacks, Kling calls made); **used vs estimate** compares them with the estimates of the same
  jobs (those that have both), so jobs without a reported cost never dilute the ratio.
* **cost per output second** divides the cost of succeeded jobs (reported where known, else the
  estimate; ``cost_basis`` says which) by the length of their outputs: the audio's (AusyncLab
  and TwinSync fit the video to the audio), or the video's for Kling (it inserts the audio into
  the video, which keeps its length). Amounts in different units are never added up: a group's
  costs are those in its most frequent unit.
* **lip-sync**: of the results whose lip-sync was measured (``measured``), the share whose mouth
  moves with the speech, the median of how far lips and audio are apart either way (of those
  whose mouth moves: a still mouth has no offset), and the median confidence.

Sandbox and live jobs are never mixed: every row carries its ``environment``. A row whose state
column holds no state the app knows is damaged and left out; a row whose record alone became
unreadable after its last save keeps the figures saved with it (reading every record to find
such rows is what made the page slow).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from lipsync_core import stats_sql
from lipsync_core.flows.model import Job, JobState
from lipsync_core.stats_sql import (
    COUNTED,
    PERCENTILES,
    Key,
    Period,
    Rank,
    grouped,
    job_rows,
    latest_groups,
    rank_parameters,
    ranked,
)
from lipsync_core.store import JobStore

SANDBOX = "sandbox"
LIVE = "live"
KEYS = ["environment", "provider", "model"]
STAT_COLUMNS = [
    *KEYS,
    "jobs",
    "finished",
    "succeeded",
    "failed",
    "success_rate",
    "median_turnaround_s",
    "p90_turnaround_s",
    "unit",
    "reported_jobs",
    "used",
    "estimate_for_used",
    "used_vs_estimate",
    "output_seconds",
    "cost_per_output_second",
    "cost_basis",
    "measured",
    "mouth_moves_share",
    "median_abs_offset_ms",
    "median_confidence",
]
JOB_COLUMNS = [
    "id",
    "environment",
    "provider",
    "model",
    "sent_by",
    "created_at",
    "started_at",
    "finished_at",
    "state",
    "turnaround_s",
    "unit",
    "estimated",
    "used",
    "cost_reported",
    "cost",
    "output_seconds",
    "audio_seconds",
    "quality_state",
    "offset_ms",
    "confidence",
    "mouth_moves",
]
KNOWN_STATES = set(stats_sql.KNOWN_STATES)
FINISHED = (JobState.SUCCEEDED.value, JobState.FAILED.value)
COST_SUMS = ("reported_jobs", "used", "estimate_for_used", "used_with_estimate")
SUCCESS_SUMS = ("costed_jobs", "costed_reported", "cost", "output_seconds", "measured",
                "mouth_moves", *COUNTED.values())  # fmt: skip
# The figures each ranked measure gives, by percentile.
RANKED_FIGURES = {
    ("turnaround", 50): "median_turnaround_s",
    ("turnaround", 90): "p90_turnaround_s",
    ("offset", 50): "median_abs_offset_ms",
    ("confidence", 50): "median_confidence",
}
Row = Mapping[str, Any]


def environment(sandbox: bool) -> str:
    return SANDBOX if sandbox else LIVE


def provider_stats(store: JobStore, period: Period | None = None) -> pd.DataFrame:
    """One row per environment, provider and model (columns: :data:`STAT_COLUMNS`), sorted."""
    period = period or Period()
    with store.engine.connect() as connection:
        statement = grouped(**period.shape())
        rows = _known(connection.execute(statement, period.parameters()).mappings())
        by_key = _by_key(rows)
        mixed = [key for key, found in by_key.items() if len(_units(found)) > 1]
        cost_rows = _costs_by_unit(connection, period, mixed) if mixed else {}
        ranks = _ranks(by_key)
        values = _ranked_values(connection, period, ranks)
    table = [  # keys sort as rows do: live (not sandbox) first, then provider and model
        _row(key, found, cost_rows.get(key), _percentiles(key, found, ranks, values))
        for key, found in sorted(by_key.items())
    ]
    return pd.DataFrame(table, columns=STAT_COLUMNS)


def _known(rows: Iterable[Row]) -> list[Row]:
    """The rows whose state the app knows (any other is a damaged row's)."""
    return [row for row in rows if row["state"] in KNOWN_STATES]


def _by_key(rows: Iterable[Row]) -> dict[Key, list[Row]]:
    found: dict[Key, list[Row]] = defaultdict(list)
    for row in rows:
        found[(bool(row["sandbox"]), row["provider"], row["model"])].append(row)
    return found


def _units(rows: Iterable[Row]) -> set[str]:
    return {unit for row in rows for unit in (row["unit"], row.get("last_unit")) if unit}


def _costs_by_unit(
    connection: Connection, period: Period, keys: Sequence[Key]
) -> dict[Key, list[Row]]:
    """For groups whose jobs cost in several units: the rows of their most frequent unit (a
    unit someone priced before "unknown"; of equals, the first by name)."""
    by_unit: dict[Key, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    statement = grouped(**period.shape(), by_unit=tuple(keys))
    for row in _known(connection.execute(statement, period.parameters()).mappings()):
        key = (bool(row["sandbox"]), row["provider"], row["model"])
        if row["unit"]:
            by_unit[key][row["unit"]].append(row)
    chosen = {}
    for key, units in by_unit.items():
        jobs = {unit: sum(row["jobs"] for row in found) for unit, found in units.items()}
        main = min(jobs, key=lambda unit: (unit == "unknown", -jobs[unit], unit))
        chosen[key] = units[main]
    return chosen


def _ranks(by_key: Mapping[Key, list[Row]]) -> list[Rank]:
    """The ranks every percentile needs, each once."""
    wanted: dict[Rank, None] = {}
    for key, rows in by_key.items():
        succeeded = _sums(rows, states=(JobState.SUCCEEDED.value,))
        for measure, percentiles in PERCENTILES.items():
            count = int(succeeded[COUNTED[measure]])
            for q in percentiles if count else ():
                wanted[Rank(*key, measure, (count - 1) * q // 100 + 1)] = None
    return list(wanted)


def _ranked_values(
    connection: Connection, period: Period, ranks: Sequence[Rank]
) -> dict[Rank, list[float]]:
    """The values at each rank and the next one, smallest first."""
    if not ranks:
        return {}
    statement = ranked(tuple(rank.measure for rank in ranks), **period.shape())
    found: dict[Rank, list[float]] = {rank: [] for rank in ranks}
    for wanted, value in connection.execute(statement, rank_parameters(period, ranks)):
        found[ranks[wanted]].append(float(value))
    return {rank: sorted(values) for rank, values in found.items()}


def _percentiles(
    key: Key, rows: Sequence[Row], ranks: Sequence[Rank], values: Mapping[Rank, list[float]]
) -> dict[str, float | None]:
    """The medians and 9-in-10 values of one group, interpolated between two ranks."""
    succeeded = _sums(rows, states=(JobState.SUCCEEDED.value,))
    figures: dict[str, float | None] = dict.fromkeys(RANKED_FIGURES.values())
    for (measure, q), name in RANKED_FIGURES.items():
        count = int(succeeded[COUNTED[measure]])
        if not count:
            continue
        position = (count - 1) * q
        pair = values.get(Rank(*key, measure, position // 100 + 1), [])
        if pair:
            low, high = pair[0], pair[-1]
            figures[name] = low + (high - low) * (position % 100) / 100
    return figures


def _sums(rows: Iterable[Row], *, states: Iterable[str] | None = None) -> dict[str, float]:
    """The rows' sums added up (of the given states only, if any); ``NULL`` counts as 0."""
    chosen = set(states) if states is not None else None
    total: dict[str, float] = defaultdict(float)
    for row in rows:
        if chosen is None or row["state"] in chosen:
            for name in ("jobs", *COST_SUMS, *SUCCESS_SUMS):
                total[name] += row[name] or 0
    return total


def _row(
    key: Key,
    rows: Sequence[Row],
    cost_rows: Sequence[Row] | None,
    percentiles: Mapping[str, float | None],
) -> dict[str, object]:
    sandbox, provider, model = key
    states = {state: _sums(rows, states=(state,))["jobs"] for state in FINISHED}
    succeeded, failed = int(states[FINISHED[0]]), int(states[FINISHED[1]])
    finished = succeeded + failed
    units = _units(rows)
    unit = _main_unit(cost_rows, units)
    money = _sums(cost_rows if cost_rows is not None else rows)
    success = _sums(rows, states=(JobState.SUCCEEDED.value,))
    paid = _sums(cost_rows if cost_rows is not None else rows, states=(JobState.SUCCEEDED.value,))
    measured = int(success["measured"])
    return {
        "environment": environment(sandbox),
        "provider": provider,
        "model": model,
        "jobs": int(_sums(rows)["jobs"]),
        "finished": finished,
        "succeeded": succeeded,
        "failed": failed,
        "success_rate": succeeded / finished if finished else None,
        "median_turnaround_s": percentiles["median_turnaround_s"],
        "p90_turnaround_s": percentiles["p90_turnaround_s"],
        "unit": unit,
        **_used(money),
        **_cost_per_second(paid),
        "measured": measured,
        "mouth_moves_share": success["mouth_moves"] / measured if measured else None,
        "median_abs_offset_ms": percentiles["median_abs_offset_ms"],
        "median_confidence": percentiles["median_confidence"],
    }


def _main_unit(cost_rows: Sequence[Row] | None, units: set[str]) -> str | None:
    if cost_rows:
        return str(cost_rows[0]["unit"])
    return next(iter(units), None)


def _used(money: Mapping[str, float]) -> dict[str, object]:
    reported = int(money["reported_jobs"])
    estimate = money["estimate_for_used"] or None
    return {
        "reported_jobs": reported,
        "used": money["used"] if reported else None,
        "estimate_for_used": estimate,
        "used_vs_estimate": money["used_with_estimate"] / estimate if estimate else None,
    }


def _cost_per_second(paid: Mapping[str, float]) -> dict[str, object]:
    seconds = paid["output_seconds"]
    if not paid["costed_jobs"] or not seconds:
        return {"output_seconds": None, "cost_per_output_second": None, "cost_basis": None}
    reported, costed = paid["costed_reported"], paid["costed_jobs"]
    basis = "reported" if reported == costed else "estimated" if not reported else "mixed"
    return {
        "output_seconds": seconds,
        "cost_per_output_second": paid["cost"] / seconds,
        "cost_basis": basis,
    }


def split_environments(stats: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The statistics of live and sandbox jobs apart (each without the environment column)."""
    return {
        name: stats[stats["environment"] == name].drop(columns="environment").reset_index(drop=True)
        for name in (LIVE, SANDBOX)
    }


def job_table(store: JobStore, period: Period, environment_name: str) -> pd.DataFrame:
    """The jobs of one environment behind the statistics, newest first (columns:
    :data:`JOB_COLUMNS`; times in UTC), read from their columns as the statistics are."""
    statement = job_rows(period, sandbox=environment_name == SANDBOX)
    with store.engine.connect() as connection:
        frame = pd.DataFrame([dict(row) for row in connection.execute(statement).mappings()])
    if frame.empty:
        return pd.DataFrame(columns=JOB_COLUMNS)
    frame["environment"] = environment_name
    for column in ("created_at", "started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column]).dt.tz_localize(UTC)
    for column in ("cost_reported",):
        frame[column] = frame[column].astype(bool)
    return frame[JOB_COLUMNS]


def latest_comparisons(store: JobStore, period: Period, limit: int = 100) -> list[Job]:
    """One job of each of the ``limit`` newest comparison groups sent in the period, newest
    group first (reading only those jobs)."""
    with store.engine.connect() as connection:
        chosen = connection.execute(latest_groups(period, limit)).all()
    members = {job.id: job for job in store.get_many([job_id for _, job_id in chosen])}
    return [members[job_id] for _, job_id in chosen if job_id in members]


__all__ = [
    "JOB_COLUMNS",
    "LIVE",
    "SANDBOX",
    "STAT_COLUMNS",
    "Period",
    "environment",
    "job_table",
    "latest_comparisons",
    "provider_stats",
    "split_environments",
]

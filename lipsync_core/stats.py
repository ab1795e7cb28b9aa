"""Measured statistics over the job history, per provider and model (pure; pandas).

Definitions (the documents are silent, so these are ours, and the compare page says them):

* **turnaround** is ``finished_at - created_at`` of a *succeeded* job: the time a person waits
  from pressing submit to having the result (a Kling job's face choice is part of it). Failed
  jobs are left out because a fast refusal says nothing about how long a result takes.
* **success rate** is succeeded / finished; jobs still queued, running or waiting for input
  do not count yet.
* **p90** is pandas' default (linear interpolation between the closest ranks).
* **used** adds the amounts the provider reported (``cost_used`` not marked estimated: AusyncLab
  callbacks, Kling calls made); **used vs estimate** compares the reported amounts with the
  estimates of the same jobs (those that have both), so jobs without a reported cost never
  dilute the ratio.
* **cost per output second** divides the cost of succeeded jobs (reported where known, else the
  estimate; ``cost_basis`` says which) by the length of their outputs: measured lengths when the
  caller has them, else the audio's length (AusyncLab and TwinSync fit the video to the audio),
  or the video's for Kling (it inserts the audio into the video, which keeps its length).

Sandbox and live jobs are never mixed: every row carries its ``environment``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from lipsync_core.flows.model import CostUnit, Job, JobState

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
]
JOB_COLUMNS = [
    "id",
    *KEYS,
    "state",
    "finished",
    "succeeded",
    "turnaround_s",
    "unit",
    "estimated",
    "used",
    "cost",
    "cost_reported",
    "output_seconds",
]


def environment(job: Job) -> str:
    return SANDBOX if job.sandbox else LIVE


def output_seconds(job: Job, measured: Mapping[str, float] | None = None) -> float | None:
    """The length of a job's output: measured if known, else what the provider keeps."""
    if measured and job.id in measured:
        return measured[job.id]
    if job.provider == "kling":
        return job.inputs.video_duration or job.inputs.audio_duration
    return job.inputs.audio_duration


def jobs_frame(jobs: Iterable[Job], measured: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per job with the figures the statistics are made of."""
    rows = [_job_row(job, measured) for job in jobs]
    return pd.DataFrame(rows, columns=JOB_COLUMNS)


def _job_row(job: Job, measured: Mapping[str, float] | None) -> dict[str, object]:
    succeeded = job.state is JobState.SUCCEEDED
    turnaround = None
    if succeeded and job.finished_at is not None:
        turnaround = max(0.0, (job.finished_at - job.created_at).total_seconds())
    estimated = job.estimated_cost.amount if job.estimated_cost else None
    reported = job.cost_used is not None and not job.cost_used.estimated
    used = job.cost_used.amount if reported and job.cost_used else None
    return {
        "id": job.id,
        "environment": environment(job),
        "provider": job.provider,
        "model": job.model,
        "state": job.state.value,
        "finished": job.is_final,
        "succeeded": succeeded,
        "turnaround_s": turnaround,
        "unit": _unit(job),
        "estimated": estimated,
        "used": used,
        "cost": used if used is not None else _settled_or_estimate(job, estimated),
        "cost_reported": used is not None,
        "output_seconds": output_seconds(job, measured),
    }


def _unit(job: Job) -> str | None:
    """The unit of the job's cost; for an amount in the user's currency, that currency's code
    (so amounts priced in different currencies are never added up as one)."""
    for cost in (job.cost_used, job.estimated_cost):
        if cost is not None and cost.amount is not None:
            if cost.unit is CostUnit.CURRENCY and cost.currency:
                return cost.currency
            return cost.unit.value
    return None


def _settled_or_estimate(job: Job, estimated: float | None) -> float | None:
    if job.cost_used is not None and job.cost_used.amount is not None:
        return job.cost_used.amount
    return estimated


def provider_stats(
    jobs: Iterable[Job], measured: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One row per environment, provider and model (columns: :data:`STAT_COLUMNS`)."""
    frame = jobs_frame(jobs, measured)
    if frame.empty:
        return pd.DataFrame(columns=STAT_COLUMNS)
    rows = [_group_row(key, group) for key, group in frame.groupby(KEYS, sort=True)]
    return pd.DataFrame(rows, columns=STAT_COLUMNS)


def _group_row(key: tuple[str, str, str], group: pd.DataFrame) -> dict[str, object]:
    finished = int(group["finished"].sum())
    succeeded = int(group["succeeded"].sum())
    turnaround = group["turnaround_s"].dropna().astype(float)
    reported = group[group["cost_reported"]]
    used = float(reported["used"].sum()) if len(reported) else None
    pairs = reported.dropna(subset=["estimated"])
    estimate_for_used = float(pairs["estimated"].astype(float).sum()) if len(pairs) else None
    used_of_pairs = float(pairs["used"].astype(float).sum())
    unit = _main_unit(group["unit"])
    per_second = _cost_per_second(group[group["succeeded"]], unit)
    return {
        **dict(zip(KEYS, key, strict=True)),
        "jobs": len(group),
        "finished": finished,
        "succeeded": succeeded,
        "failed": finished - succeeded,
        "success_rate": succeeded / finished if finished else None,
        "median_turnaround_s": float(turnaround.median()) if len(turnaround) else None,
        "p90_turnaround_s": float(turnaround.quantile(0.9)) if len(turnaround) else None,
        "unit": unit,
        "reported_jobs": len(reported),
        "used": used,
        "estimate_for_used": estimate_for_used,
        "used_vs_estimate": used_of_pairs / estimate_for_used if estimate_for_used else None,
        **per_second,
    }


def _main_unit(units: pd.Series) -> str | None:
    known = units.dropna()
    priced = known[known != "unknown"]
    chosen = priced if len(priced) else known
    return str(chosen.mode().iloc[0]) if len(chosen) else None


def _cost_per_second(succeeded: pd.DataFrame, unit: str | None) -> dict[str, object]:
    """Cost per second of output over the succeeded jobs priced in ``unit`` (never adding up
    amounts in different units)."""
    usable = succeeded[succeeded["unit"] == unit].dropna(subset=["cost", "output_seconds"])
    usable = usable[usable["output_seconds"].astype(float) > 0]
    seconds = float(usable["output_seconds"].astype(float).sum()) if len(usable) else None
    if not seconds:
        return {"output_seconds": None, "cost_per_output_second": None, "cost_basis": None}
    reported = int(usable["cost_reported"].sum())
    basis = "reported" if reported == len(usable) else "estimated" if not reported else "mixed"
    return {
        "output_seconds": seconds,
        "cost_per_output_second": float(usable["cost"].astype(float).sum()) / seconds,
        "cost_basis": basis,
    }


def split_environments(stats: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The statistics of live and sandbox jobs apart (each without the environment column)."""
    return {
        name: stats[stats["environment"] == name].drop(columns="environment").reset_index(drop=True)
        for name in (LIVE, SANDBOX)
    }


__all__ = [
    "JOB_COLUMNS",
    "LIVE",
    "SANDBOX",
    "STAT_COLUMNS",
    "environment",
    "jobs_frame",
    "output_seconds",
    "provider_stats",
    "split_environments",
]

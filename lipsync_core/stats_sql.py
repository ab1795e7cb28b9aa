"""The statements behind the measured statistics (SQLAlchemy Core; SQLite and PostgreSQL alike).

Every figure is computed by the database from the columns each save of a job fills
(:func:`lipsync_core.schema.job_figures`), never from the jobs' records. Two statements make a
period's table:

* :func:`grouped` adds up, per environment, provider, model, state and cost unit: jobs, costs,
  seconds of output, measured results, and how many values each median is taken of;
* :func:`ranked` then reads, for each median or 9-in-10 figure, the two values around its rank
  (``ORDER BY value LIMIT 2 OFFSET k``, all in one ``UNION ALL`` made once per shape), each
  from an index already in the value's order (``ix_jobs_statistics`` for turnaround,
  ``ix_jobs_confidence`` and ``ix_jobs_offset`` for the lip-sync measure), so the database
  walks at most one group's index entries and sorts nothing; this works alike on both
  databases (SQLite has no ``percentile_cont``), where window functions sorted every value
  three times (a second and more at 100,000 jobs).

The grouped statement reads only ``ix_jobs_statistics``, which holds every column it needs. The
period is the only condition on the jobs themselves: a condition on the state would lead SQLite
to the state's own index and to reading the table. Rows whose state column holds a state the app
does not know (a damaged row, as the history shows it) are grouped apart and left out by
:mod:`lipsync_core.stats`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import Select

from lipsync_core.flows.model import JobState
from lipsync_core.schema import comparison_groups, jobs, naive

SUCCEEDED = JobState.SUCCEEDED.value
KNOWN_STATES = [state.value for state in JobState]
# The quality_state of a result whose lip-sync was measured (lipsync_core.quality's jobs).
MEASURED = "measured"
TURNAROUND, OFFSET, CONFIDENCE = "turnaround", "offset", "confidence"
# The percentiles taken of each ranked value, and the grouped sum that says how many there are.
PERCENTILES = {TURNAROUND: (50, 90), OFFSET: (50,), CONFIDENCE: (50,)}
COUNTED = {TURNAROUND: "timed", OFFSET: "offsets", CONFIDENCE: "confidences"}


@dataclass(frozen=True)
class Period:
    """Jobs created from ``since`` (any time if ``None``) until before ``until`` (no end if
    ``None``)."""

    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """The period's conditions, with its times as values."""
        created = jobs.c.created_at
        found = [] if self.since is None else [created >= naive(self.since)]
        return found if self.until is None else [*found, created < naive(self.until)]

    def shape(self) -> dict[str, bool]:
        """Which ends the period has: the statements made once per shape take them as values."""
        return {"since": self.since is not None, "until": self.until is not None}

    def parameters(self) -> dict[str, datetime]:
        """The values of ``:since`` and ``:until`` in :func:`bound_conditions`."""
        found = {"since": naive(self.since), "until": naive(self.until)}
        return {name: value for name, value in found.items() if value is not None}


def bound_conditions(*, since: bool, until: bool) -> list[sa.ColumnElement[bool]]:
    """Conditions on the creation time taking ``:since`` and ``:until`` when run."""
    found = []
    if since:
        found.append(jobs.c.created_at >= sa.bindparam("since"))
    if until:
        found.append(jobs.c.created_at < sa.bindparam("until"))
    return found


# A group of the statistics: sandbox or not, provider, model.
Key = tuple[bool, str, str]


@dataclass(frozen=True)
class Rank:
    """The value of rank ``rank`` (1 = smallest) and the next one, of one group's ``measure``."""

    sandbox: bool
    provider: str
    model: str
    measure: str
    rank: int


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """1 where ``condition`` holds, else 0 (booleans add up alike in both databases)."""
    return sa.case((condition, 1), else_=0)


def _measured() -> sa.ColumnElement[bool]:
    """A result whose lip-sync was measured (results are those of succeeded jobs)."""
    return sa.and_(jobs.c.quality_state == MEASURED, jobs.c.state == SUCCEEDED)


def _unit() -> sa.ColumnElement[str]:
    """The unit of a job's cost: the reported (or settled) amount's, else the estimate's; an
    amount in the person's own currency (their TwinSync price) is in that currency's code, so
    amounts in different currencies are never added up as one."""
    c = jobs.c
    estimate = sa.case(
        (c.estimate_unit == "currency", sa.func.coalesce(c.estimate_currency, "currency")),
        else_=c.estimate_unit,
    )
    used = sa.case((c.used_unit == "currency", c.estimate_currency), else_=c.used_unit)
    return sa.case(
        (c.used_amount.is_not(None), used),
        (c.estimate_amount.is_not(None), estimate),
        else_=None,
    )


def _output_seconds() -> sa.ColumnElement[float]:
    """The length of a job's result: the audio's (AusyncLab and TwinSync fit the video to it),
    the video's for Kling (it inserts the audio into the video, which keeps its length)."""
    c = jobs.c
    kling = sa.func.coalesce(c.video_seconds, c.audio_seconds)
    return sa.case((c.provider == "kling", kling), else_=c.audio_seconds)


def measure_values() -> dict[str, sa.ColumnElement[float]]:
    """Each ranked value of a job, ``NULL`` where it has none: the turnaround of a succeeded
    job, and of a measured result how far the lips are off (either way) and the confidence."""
    c = jobs.c
    succeeded = c.state == SUCCEEDED
    return {
        TURNAROUND: sa.case((succeeded, c.turnaround_seconds)),
        OFFSET: sa.case((_measured(), sa.func.abs(c.offset_ms))),
        CONFIDENCE: sa.case((_measured(), c.sync_confidence)),
    }


def figure_columns() -> dict[str, sa.ColumnElement[Any]]:
    """Each job's figures by name, as the statistics and the jobs' CSV read them."""
    c = jobs.c
    reported = sa.and_(c.used_amount.is_not(None), c.used_estimated.is_(False))
    values = measure_values()
    columns: dict[str, sa.ColumnElement[Any]] = {
        "sandbox": c.sandbox,
        "provider": c.provider,
        "model": c.model,
        "state": c.state,
        "turnaround_s": values[TURNAROUND],
        "unit": _unit(),
        "estimated": c.estimate_amount,
        "used": c.used_amount,
        "cost_reported": _flag(reported),
        "cost": sa.func.coalesce(c.used_amount, c.estimate_amount),
        "output_seconds": _output_seconds(),
        "measured": _flag(_measured()),
        "mouth_moves": _flag(sa.and_(_measured(), c.mouth_moves.is_(True))),
        "abs_offset_ms": values[OFFSET],
        "confidence": values[CONFIDENCE],
    }
    return {name: column.label(name) for name, column in columns.items()}


@functools.lru_cache(maxsize=64)
def grouped(*, since: bool, until: bool, by_unit: tuple[Key, ...] = ()) -> Select[Any]:
    """Sums per environment, provider, model and state of the jobs created from ``:since`` until
    before ``:until`` (when asked for), in the order of the statistics' index
    (so the database adds up as it reads, and sorts nothing), with the smallest and largest
    cost unit of each. The groups named in ``by_unit`` (those whose jobs cost in several units)
    are summed per unit instead, so that the page takes their costs from one unit only.

    The sums hold for every state; the caller takes each from the states it concerns (costs,
    turnaround and the lip-sync measure from succeeded jobs).
    """
    c = jobs.c
    reported = sa.and_(c.used_estimated.is_(False), c.used_amount.is_not(None))
    cost, output = sa.func.coalesce(c.used_amount, c.estimate_amount), _output_seconds()
    costed = sa.and_(cost.is_not(None), output > 0)
    measured = c.quality_state == MEASURED
    count, total = sa.func.count, sa.func.sum
    keys = [c.sandbox, c.provider, c.model, c.state]
    unit = _unit()
    units = [unit.label("unit")] if by_unit else [
        sa.func.min(unit).label("unit"), sa.func.max(unit).label("last_unit")
    ]  # fmt: skip
    statement = sa.select(
        *keys,
        *units,
        count().label("jobs"),
        count(sa.case((reported, 1))).label("reported_jobs"),
        total(sa.case((reported, c.used_amount))).label("used"),
        total(sa.case((reported, c.estimate_amount))).label("estimate_for_used"),
        total(sa.case((sa.and_(reported, c.estimate_amount.is_not(None)), c.used_amount))).label(
            "used_with_estimate"
        ),
        count(sa.case((costed, 1))).label("costed_jobs"),
        count(sa.case((sa.and_(costed, reported), 1))).label("costed_reported"),
        total(sa.case((costed, cost))).label("cost"),
        total(sa.case((costed, output))).label("output_seconds"),
        count(sa.case((measured, 1))).label("measured"),
        count(sa.case((sa.and_(measured, c.mouth_moves.is_(True)), 1))).label("mouth_moves"),
        count(c.turnaround_seconds).label(COUNTED[TURNAROUND]),
        count(sa.case((measured, sa.func.abs(c.offset_ms)))).label(COUNTED[OFFSET]),
        count(sa.case((measured, c.sync_confidence))).label(COUNTED[CONFIDENCE]),
    ).where(*bound_conditions(since=since, until=until))
    if by_unit:
        statement = statement.where(_one_of(by_unit))
        return statement.group_by(*keys, unit)
    return statement.group_by(*keys)


def _one_of(groups: Sequence[Key]) -> sa.ColumnElement[bool]:
    c = jobs.c
    return sa.tuple_(c.sandbox, c.provider, c.model).in_([tuple(key) for key in groups])


def _ranked_value(measure: str) -> tuple[sa.ColumnElement[float], list[sa.ColumnElement[bool]]]:
    """The column a measure is ordered by, and the conditions that make it one of its values,
    written as the measure's index has them."""
    c = jobs.c
    succeeded = c.state == SUCCEEDED
    if measure == TURNAROUND:
        return c.turnaround_seconds, [succeeded, c.turnaround_seconds.is_not(None)]
    measured = [c.quality_state == MEASURED, succeeded]
    if measure == OFFSET:
        value = sa.func.abs(c.offset_ms)
        return value, [*measured, value.is_not(None)]
    return c.sync_confidence, [*measured, c.sync_confidence.is_not(None)]


@functools.lru_cache(maxsize=64)
def ranked(measures: tuple[str, ...], *, since: bool, until: bool) -> Select[Any]:
    """One statement reading, for the ``n``-th of ``measures``, the values at rank
    ``:offset_n + 1`` (1 = smallest) and the next one of the jobs of one group (``:sandbox_n``,
    ``:provider_n``, ``:model_n``) created from ``:since`` until before ``:until`` (when asked
    for), as rows ``(wanted, value)`` with ``wanted = n``. Made once per shape: a page load runs
    it once, whatever the number of ranks."""
    c = jobs.c
    period = bound_conditions(since=since, until=until)
    parts = []
    for n, measure in enumerate(measures):
        value, conditions = _ranked_value(measure)
        wanted = sa.literal_column(str(n), sa.Integer).label("wanted")
        one = (
            sa.select(wanted, value.label("value"))
            .where(
                c.sandbox == sa.bindparam(f"sandbox_{n}"),
                c.provider == sa.bindparam(f"provider_{n}"),
                c.model == sa.bindparam(f"model_{n}"),
                *conditions,
                *period,
            )
            .order_by(value)
            .limit(2)
            .offset(sa.bindparam(f"offset_{n}"))
        )
        parts.append(sa.select(one.subquery(f"rank_{n}")))
    return sa.union_all(*parts) if len(parts) > 1 else parts[0]  # type: ignore[return-value]


def rank_parameters(period: Period, ranks: Sequence[Rank]) -> dict[str, Any]:
    """The values :func:`ranked`'s statement takes for ``ranks`` in ``period``."""
    found: dict[str, Any] = dict(period.parameters())
    for n, rank in enumerate(ranks):
        found |= {f"sandbox_{n}": rank.sandbox, f"provider_{n}": rank.provider,
                  f"model_{n}": rank.model, f"offset_{n}": rank.rank - 1}  # fmt: skip
    return found


# The jobs' CSV: each job's figures, times and lip-sync measure as stored (offset with its sign).
JOB_FIGURES = ("state", "turnaround_s", "unit", "estimated", "used", "cost_reported", "cost",
               "output_seconds")  # fmt: skip


def job_rows(period: Period, *, sandbox: bool) -> Select[Any]:
    """The jobs of one environment behind the statistics, newest first (the jobs' CSV); it reads
    the table's rows, so the page runs it only when someone asks for the CSV."""
    c = jobs.c
    chosen = figure_columns()
    return (
        sa.select(
            c.id,
            c.provider,
            c.model,
            c.sent_by,
            c.created_at,
            c.started_at,
            c.finished_at,
            *(chosen[name] for name in JOB_FIGURES),
            c.audio_seconds,
            c.quality_state,
            c.offset_ms,
            c.sync_confidence.label("confidence"),
            c.mouth_moves,
        )
        .where(*period.conditions(), c.sandbox == sandbox, c.state.in_(KNOWN_STATES))
        .order_by(c.created_at.desc(), c.id.desc())
    )


def latest_groups(period: Period, limit: int) -> Select[Any]:
    """The newest ``limit`` comparison groups made in the period that still hold a job, with
    one of their jobs' ids each."""
    g = comparison_groups.c
    member = sa.select(sa.func.min(jobs.c.id)).where(jobs.c.group_id == g.id).scalar_subquery()
    statement = sa.select(g.id.label("group_id"), member.label("job_id")).where(member.is_not(None))
    if period.since is not None:
        statement = statement.where(g.created_at >= naive(period.since))
    if period.until is not None:
        statement = statement.where(g.created_at < naive(period.until))
    return statement.order_by(g.created_at.desc(), g.id.desc()).limit(limit)


__all__ = [
    "CONFIDENCE",
    "COUNTED",
    "JOB_FIGURES",
    "MEASURED",
    "OFFSET",
    "PERCENTILES",
    "TURNAROUND",
    "Key",
    "Period",
    "Rank",
    "bound_conditions",
    "figure_columns",
    "grouped",
    "job_rows",
    "latest_groups",
    "measure_values",
    "rank_parameters",
    "ranked",
]

"""How long a job is expected to take, from this history's own measured turnarounds.

A running card shows a progress bar against this figure. It is the median time from the moment
the provider had everything it needed (``started_at``) to the end, over earlier successful jobs
of the same provider/model and environment (live or sandbox) whose audio was of a similar length
(half to twice as long). With fewer than :data:`MIN_JOBS` such jobs it is not known — the card
then says so rather than guess — except on the sandbox, whose jobs take a set time.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import sqlalchemy as sa

from lipsync_core.flows.model import JobState
from lipsync_core.i18n import _, ngettext
from lipsync_core.schema import jobs
from lipsync_core.store import JobStore

MIN_JOBS = 3
RECENT = 200
SIMILAR = (0.5, 2.0)


@dataclass(frozen=True)
class Expectation:
    """``seconds`` a job usually takes, and what that figure rests on (in words, in the current
    language: "the median of 3 earlier jobs …", shown after "from")."""

    seconds: float
    basis: str


def expected(
    store: JobStore,
    provider: str,
    model: str,
    audio_seconds: float | None,
    *,
    sandbox: bool,
    sandbox_job_seconds: float | None = None,
) -> Expectation | None:
    """The expected turnaround of a job like this one, or ``None`` when nothing tells."""
    times = _similar_turnarounds(store, provider, model, audio_seconds, sandbox)
    if len(times) >= MIN_JOBS:
        basis = ngettext(
            "the median of {count} earlier job here with audio of a similar length",
            "the median of {count} earlier jobs here with audio of a similar length",
            len(times),
        ).format(count=len(times))
        return Expectation(statistics.median(times), basis)
    if sandbox and sandbox_job_seconds is not None:
        return Expectation(sandbox_job_seconds, _("the sandbox's set job time"))
    return None


def _similar_turnarounds(
    store: JobStore, provider: str, model: str, audio_seconds: float | None, sandbox: bool
) -> list[float]:
    conditions = [
        jobs.c.provider == provider,
        jobs.c.model == model,
        jobs.c.sandbox == sandbox,
        jobs.c.state == JobState.SUCCEEDED.value,
        jobs.c.turnaround_seconds.is_not(None),
    ]
    if audio_seconds is not None and audio_seconds > 0:
        low, high = SIMILAR
        conditions.append(jobs.c.audio_seconds.between(audio_seconds * low, audio_seconds * high))
    statement = (
        sa.select(jobs.c.turnaround_seconds)
        .where(*conditions)
        .order_by(jobs.c.finished_at.desc())
        .limit(RECENT)
    )
    with store.engine.connect() as connection:
        return [float(value) for (value,) in connection.execute(statement)]

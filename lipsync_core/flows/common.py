"""What every provider's flow shares: the polling policy, the context, and job transitions.

The transitions are small functions that change a :class:`Job` in place; flows apply them
through :meth:`FlowContext.update`, which re-reads the job and saves it with a version check,
so a change never overwrites one made meanwhile by another thread or process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lipsync_core.callback_secret import job_callback_url, server_secret
from lipsync_core.config import Settings
from lipsync_core.errors import (
    AuthenticationError,
    LipsyncError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    UnexpectedResponseError,
)
from lipsync_core.flows.model import (
    Cost,
    CostUnit,
    DownloadState,
    Job,
    JobState,
    Stage,
)


@dataclass(frozen=True)
class PollPolicy:
    """How often jobs are checked, and how long before they count as late.

    ``steps`` are ``(age below, interval)`` pairs in seconds: a job is checked every 2 s in its
    first 30 s, then every 5 s, 15 s, and ``slow_interval`` once older than the last step. Past
    ``deadline`` it is checked every ``overdue_interval`` with a note on its card.
    ``parallel_checks`` bounds the status calls made at the same time (Kling and TwinSync have
    one per job; their latency would otherwise add up). ``submit_grace`` is how long a
    submission whose answer was never saved (a crash, a hung call) is left alone before it is
    recovered; ``confirm_delay`` the same after a create call ended in an error that leaves it
    unclear whether the provider received it.
    """

    steps: tuple[tuple[float, float], ...] = ((30.0, 2.0), (120.0, 5.0), (600.0, 15.0))
    slow_interval: float = 60.0
    deadline: float = 30 * 60.0
    overdue_interval: float = 120.0
    submit_grace: float = 120.0
    confirm_delay: float = 10.0
    error_backoff_max: float = 300.0
    face_session_ttl: float = 24 * 3600.0
    download_attempts: int = 3
    parallel_checks: int = 8

    def interval(self, age: float, *, overdue: bool = False) -> float:
        if overdue:
            return self.overdue_interval
        for below, every in self.steps:
            if age < below:
                return every
        return self.slow_interval


def one_by_one(work: Callable[[Job], None], jobs: Sequence[Job]) -> None:
    for job in jobs:
        work(job)


@dataclass
class FlowContext:
    """What a flow needs: its provider's client, the time, and a safe way to change a job."""

    clients: Callable[[], Any]
    """The calling thread's client of the flow's provider (sessions are not shared)."""
    settings: Settings
    policy: PollPolicy
    clock: Callable[[], datetime]
    update: Callable[..., Job | None]
    """``update(job_id, change, *args)``: re-read the job, call ``change(job, *args)``, save it
    (unless ``change`` returned ``False``); returns the saved job, or ``None`` if it is gone."""
    claim: Callable[..., Job | None]
    """``claim(job_id, change, *args)``: like ``update``, but returns the job only if this call
    made and saved the change (``None`` otherwise): whoever gets it makes the create call."""
    for_each: Callable[[Callable[[Job], None], Sequence[Job]], None] = one_by_one
    """Run ``work`` once per job, possibly several at a time (one status call per job)."""
    callback_url: str | None = None
    """The receiver's AusyncLab callback address; each job is given its own below it."""

    @property
    def client(self) -> Any:
        return self.clients()

    def callback_for(self, job: Job) -> str | None:
        """The callback address given to AusyncLab for ``job`` (with its secret), if any."""
        if self.callback_url is None:
            return None
        return job_callback_url(self.callback_url, job.id, server_secret(self.settings.data_dir))

    def now(self) -> datetime:
        return self.clock()


def touch(job: Job, now: datetime) -> None:
    job.updated_at = now


def schedule(job: Job, now: datetime, policy: PollPolicy, *, base: datetime | None = None) -> None:
    """Set the next check from the job's age; past its deadline, slower and with a note.

    The next check counts from when this one was due, not from when it ran, so a refresher
    that is a little late (its tick, the time a round of calls takes) keeps the rate of one
    check per interval instead of drifting below it. Jobs refreshed by one list call share one
    ``base``, so they stay due together and keep needing one call.
    """
    started = job.started_at or job.created_at
    age = (now - started).total_seconds()
    overdue = job.deadline_at is not None and now >= job.deadline_at
    if overdue:
        job.note = (
            f"Still running at {job.provider_name} after {duration_words(age)}; "
            "checking less often."
        )
    interval = timedelta(seconds=policy.interval(age, overdue=overdue))
    if base is None:
        planned = job.next_poll_at
        base = planned if planned is not None and now - interval < planned <= now else now
    job.next_poll_at = base + interval


def batch_base(due: Sequence[Job], now: datetime, policy: PollPolicy) -> datetime:
    """The time every job refreshed by one list call counts its next check from.

    The earliest due time among the jobs that asked for the call, unless it is more than the
    shortest interval ago (then now): the batch keeps one call per interval without drifting.
    """
    planned = [job.next_poll_at for job in due if job.next_poll_at is not None]
    first = min(planned, default=now)
    shortest = min((every for _, every in policy.steps), default=policy.slow_interval)
    return first if now - timedelta(seconds=shortest) < first <= now else now


def duration_words(seconds: float) -> str:
    """``42 s``, ``31 min``, ``2 h 5 min``: how long, as a card says it."""
    if seconds < 90:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def began(
    job: Job,
    now: datetime,
    policy: PollPolicy,
    *,
    stage: Stage,
    provider_job_id: str | None = None,
    state: JobState = JobState.QUEUED,
) -> None:
    """A provider accepted a create call: remember its id and start polling it."""
    if provider_job_id is not None:
        job.provider_job_id = provider_job_id
    if job.started_at is None:
        job.started_at = now
        job.deadline_at = now + timedelta(seconds=policy.deadline)
    job.state = state
    job.stage = stage
    job.note = None
    job.error = None
    job.finished_at = None
    touch(job, now)
    schedule(job, now, policy)


def expect_answer(job: Job, now: datetime, stage: Stage, delay: float) -> None:
    """Record the intent to create something at the provider before the call is made."""
    job.stage = stage
    job.state = JobState.QUEUED
    job.next_poll_at = now + timedelta(seconds=delay)
    touch(job, now)


def observed(
    job: Job,
    state: JobState,
    provider_state: str,
    now: datetime,
    policy: PollPolicy,
    *,
    output_url: str | None = None,
    thumbnail_url: str | None = None,
    message: str | None = None,
    base: datetime | None = None,
) -> None:
    """Apply what the provider said about the job's current step."""
    job.provider_state = provider_state
    job.polls += 1
    touch(job, now)
    if state is JobState.SUCCEEDED:
        succeeded(job, now, output_url=output_url, thumbnail_url=thumbnail_url)
    elif state is JobState.FAILED:
        failed(job, message or f"{job.provider_name} could not make this video.", now)
    else:
        job.state = state
        if job.note and not job.note.startswith("Still running"):
            job.note = None
        schedule(job, now, policy, base=base)


def succeeded(
    job: Job, now: datetime, *, output_url: str | None, thumbnail_url: str | None
) -> None:
    job.state = JobState.SUCCEEDED
    job.stage = None
    job.output_url = output_url
    job.thumbnail_url = thumbnail_url or job.thumbnail_url
    job.finished_at = now
    job.next_poll_at = None
    job.note = None
    job.error = None
    job.download_state = DownloadState.PENDING if output_url else None
    touch(job, now)


def failed(job: Job, message: str, now: datetime) -> None:
    job.state = JobState.FAILED
    job.stage = None
    job.error = message
    job.finished_at = now
    job.next_poll_at = None
    job.note = None
    touch(job, now)


def ensure_sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def provider_failure(job: Job, detail: str | None) -> str:
    """The error text of a job the provider reports as failed."""
    if detail and detail.strip():
        return ensure_sentence(f"{job.provider_name} could not make this video: {detail.strip()}")
    return f"{job.provider_name} could not make this video and gave no reason."


GATEWAY_STATUSES = frozenset({502, 504})


def is_ambiguous(exc: ProviderError) -> bool:
    """Whether a create call that raised ``exc`` may still have reached the provider.

    A timeout, a dropped connection, a gateway's error page (502, 504: the provider behind it
    may have got the call) or an unreadable answer all leave it open. A refusal or a failure
    in the provider's own words (a provider code: bad key, bad request, no credits, its own
    internal error) does not, nor does any other HTTP error status.
    """
    if isinstance(exc, UnexpectedResponseError):
        return True
    if not isinstance(exc, ProviderUnavailableError) or exc.provider_code is not None:
        return False
    return exc.http_status is None or exc.http_status in GATEWAY_STATUSES


def unexpected_message(job: Job, exc: ProviderError) -> str:
    where = f" (its id there is {job.provider_job_id})" if job.provider_job_id else ""
    return (
        f"{job.provider_name} answered something this app does not understand, so the app "
        f"stopped checking this job. It may still be running at {job.provider_name}{where}. "
        f"Details: {exc}"
    )


def poll_error(job: Job, exc: ProviderError, now: datetime, policy: PollPolicy) -> None:
    """A status check failed: stop on an answer we cannot read, wait and retry otherwise."""
    if isinstance(exc, UnexpectedResponseError):
        failed(job, unexpected_message(job, exc), now)
    elif isinstance(exc, NotFoundError):
        failed(
            job,
            f"{job.provider_name} no longer has this job (its id there was "
            f"{job.provider_job_id}); it may have been deleted.",
            now,
        )
    else:
        backoff(job, exc, now, policy)


def backoff(job: Job, exc: ProviderError, now: datetime, policy: PollPolicy) -> None:
    """Keep the job as it is, say why it was not checked, and check again later."""
    schedule(job, now, policy)
    base = (job.next_poll_at - now).total_seconds() if job.next_poll_at else policy.slow_interval
    delay = min(policy.error_backoff_max, base * 2)
    if isinstance(exc, RateLimitError) and exc.retry_after:
        delay = max(delay, exc.retry_after)
    if isinstance(exc, AuthenticationError):
        delay = policy.error_backoff_max
    job.next_poll_at = now + timedelta(seconds=delay)
    job.note = ensure_sentence(f"Could not check on this job just now: {exc} Trying again soon")
    touch(job, now)


def add_cost(job: Job, amount: float, unit: CostUnit, what: str) -> None:
    """Add the price of a call actually made to ``cost_used``."""
    before = job.cost_used
    same_unit = before is not None and before.unit is unit
    earlier = (before.amount or 0.0) if same_unit else 0.0
    total = amount + earlier
    parts = f"{before.explanation} + {what}" if before and before.explanation else what
    job.cost_used = Cost(amount=round(total, 6), unit=unit, estimated=False, explanation=parts)


def create_error(job: Job, exc: LipsyncError, now: datetime, policy: PollPolicy) -> None:
    """A create call failed: a clear refusal fails the job; an unclear outcome is checked later.

    After an unclear outcome the job keeps its intent stage, so the next refresh asks the
    provider whether it received the call (where the provider allows asking) instead of
    sending it again.
    """
    if isinstance(exc, ProviderError) and is_ambiguous(exc):
        job.note = ensure_sentence(f"Checking whether {job.provider_name} received this job: {exc}")
        job.next_poll_at = now + timedelta(seconds=policy.confirm_delay)
        touch(job, now)
    else:
        failed(job, str(exc), now)


def never_received(job: Job, now: datetime) -> None:
    name = job.provider_name
    failed(
        job,
        f"This job was interrupted while it was being sent to {name}, and {name} has no "
        "record of it, so it never started. Use Submit again.",
        now,
    )


def name_tag(job: Job) -> str:
    """The mark put at the end of the ``name`` sent to a provider, to find the job there later."""
    return f"· {job.id[:12]}"


def tagged_name(job: Job) -> str:
    title = job.title or job.inputs.video_name or "Lip-sync"
    return f"{title[:80]} {name_tag(job)}"

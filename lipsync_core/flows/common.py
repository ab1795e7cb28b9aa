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
from lipsync_core.i18n import _


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
    unclear whether the provider received it. ``settle_window`` is how long a provider must keep
    saying it does not know a job (an unclear create call, a status "not found") before the job
    ends: providers can list a job late. Status checks that keep failing without an answer about
    the job (timeouts, 5xx, 429, unreadable or unexpected answers) back off up to
    ``error_backoff_max`` and end the job only after ``give_up_after``. A create call refused as
    "too many requests" was not taken and is sent again, at most ``max_resends`` times. A process
    holds a job it checks for at most ``lease_seconds`` (a result it copies, for
    ``download_lease_seconds``): if it dies, another takes the job over after that.
    """

    steps: tuple[tuple[float, float], ...] = ((30.0, 2.0), (120.0, 5.0), (600.0, 15.0))
    slow_interval: float = 60.0
    deadline: float = 30 * 60.0
    overdue_interval: float = 120.0
    submit_grace: float = 120.0
    confirm_delay: float = 10.0
    settle_window: float = 600.0
    error_backoff_max: float = 300.0
    give_up_after: float = 24 * 3600.0
    max_resends: int = 5
    face_session_ttl: float = 24 * 3600.0
    download_attempts: int = 3
    parallel_checks: int = 8
    lease_seconds: float = 180.0
    download_lease_seconds: float = 35 * 60.0

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
        job.note = _("Still running at {name} after {duration}; checking less often.").format(
            name=job.provider_name, duration=duration_words(age)
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
    """``42 s``, ``31 min``, ``2 h 5 min``: how long, as a card says it (plain digits: such
    words are kept with jobs, and translated as values of the sentence they are in)."""
    if seconds < 90:
        return _("{seconds} s").format(seconds=round(seconds))
    minutes = round(seconds / 60)
    if minutes < 90:
        return _("{minutes} min").format(minutes=minutes)
    hours, rest = divmod(minutes, 60)
    if rest:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=rest)
    return _("{hours} h").format(hours=hours)


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
    job.send_again = False
    answered(job)
    touch(job, now)
    schedule(job, now, policy)


def answered(job: Job) -> None:
    """The provider answered about the job: whatever was unclear or failing before is over."""
    job.unconfirmed_since = None
    job.failing_since = None
    job.failed_checks = 0


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
    answered(job)
    touch(job, now)
    if state is JobState.SUCCEEDED:
        succeeded(job, now, output_url=output_url, thumbnail_url=thumbnail_url)
    elif state is JobState.FAILED:
        words = message or _("{name} could not make this video.").format(name=job.provider_name)
        failed(job, words, now)
    else:
        job.state = state
        if job.note and not job.note.startswith("Still running"):
            job.note = None
        schedule(job, now, policy, base=base)


def wait_words(seconds: float) -> str:
    return duration_words(max(1.0, seconds))


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


def first_sentence(text: str) -> str:
    """The first sentence of a message: the reason, without advice meant for another moment
    (a provider error's "Try again in a few minutes" would contradict "trying again in 4 s")."""
    text = " ".join(text.split())
    head, dot, _ = text.partition(". ")
    return ensure_sentence(head + dot.strip() if dot else text)


def ensure_sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def provider_failure(job: Job, detail: str | None) -> str:
    """The error text of a job the provider reports as failed (the provider's words end with
    theirs, or with a full stop)."""
    name = job.provider_name
    details = " ".join((detail or "").split())
    if details.endswith((".", "!", "?")):
        return _("{name} could not make this video: {details}").format(name=name, details=details)
    if details:
        return _("{name} could not make this video: {details}.").format(name=name, details=details)
    return _("{name} could not make this video and gave no reason.").format(name=name)


RESENDABLE_CODES = frozenset({1302, 1303})


def is_ambiguous(exc: ProviderError) -> bool:
    """Whether a create call that raised ``exc`` may still have reached the provider.

    A timeout, a dropped connection, a server error without the provider's own words (an error
    page: 500, 502, 503, 504 — the server may have created the job before failing, or a gateway
    may have passed the call on) or an unreadable answer all leave it open. A refusal or a
    failure in the provider's own words (a provider code: bad key, bad request, no credits, its
    own internal error) does not, nor does an HTTP 4xx.
    """
    if isinstance(exc, UnexpectedResponseError):
        return True
    if not isinstance(exc, ProviderUnavailableError) or exc.provider_code is not None:
        return False
    return exc.http_status is None or exc.http_status >= 500


def poll_error(job: Job, exc: ProviderError, now: datetime, policy: PollPolicy) -> None:
    """A status check failed. "Not found" must last the settle window before it ends the job;
    anything else (timeout, 5xx, 429, an unreadable or unexpected answer) is waited out."""
    if isinstance(exc, NotFoundError):
        not_found_yet(job, now, policy)
    else:
        check_failed(job, exc, now, policy)


def check_failed(job: Job, exc: ProviderError, now: datetime, policy: PollPolicy) -> None:
    """Keep the job, say on its card why it was not checked, and check again with back-off.

    Only after ``give_up_after`` of nothing but failed checks does the job end, with words
    that say it may still be running at the provider and under which id.
    """
    if job.failing_since is None:
        job.failing_since = now
    job.failed_checks += 1
    failing = (now - job.failing_since).total_seconds()
    if failing < policy.give_up_after:
        backoff(job, exc, now, policy)
        return
    if job.provider_job_id:
        words = _(
            "The app stopped checking this job after {duration} in which {name} never gave a "
            "usable answer about it. It may still be running at {name} (its id there is "
            "{job_id}). Last problem: {problem}"
        )
    else:
        words = _(
            "The app stopped checking this job after {duration} in which {name} never gave a "
            "usable answer about it. It may still be running at {name}. Last problem: {problem}"
        )
    problem = ensure_sentence(str(exc))
    duration = duration_words(failing)
    name = job.provider_name
    failed(
        job,
        words.format(duration=duration, name=name, job_id=job.provider_job_id, problem=problem),
        now,
    )


def backoff(job: Job, exc: ProviderError, now: datetime, policy: PollPolicy) -> None:
    """Check again later, twice as late after each failure in a row (a ``Retry-After`` wins)."""
    schedule(job, now, policy)
    base = (job.next_poll_at - now).total_seconds() if job.next_poll_at else policy.slow_interval
    delay = min(policy.error_backoff_max, base * 2 ** min(max(1, job.failed_checks), 10))
    if isinstance(exc, RateLimitError) and exc.retry_after:
        delay = max(delay, exc.retry_after)
    if isinstance(exc, AuthenticationError):
        delay = policy.error_backoff_max
    job.next_poll_at = now + timedelta(seconds=delay)
    job.note = _("Could not check on this job just now: {reason} Trying again in {wait}.").format(
        reason=first_sentence(str(exc)), wait=wait_words(delay)
    )
    touch(job, now)


def not_found_yet(job: Job, now: datetime, policy: PollPolicy) -> None:
    """The provider does not know the job (yet): ask again, and end it only after the window.

    For a job whose create call's outcome is unclear, "not found" for the whole settle window
    means the provider never received it. For a job it had accepted, it means the provider
    deleted it.
    """
    if job.unconfirmed_since is None:
        job.unconfirmed_since = now
    waited = (now - job.unconfirmed_since).total_seconds()
    name = job.provider_name
    if waited >= policy.settle_window:
        if job.is_intent:
            never_received(job, now, waited)
        else:
            words = _(
                "{name} no longer has this job (its id there was {job_id}); it may have been "
                "deleted. Checked for {duration}."
            )
            duration = duration_words(waited)
            failed(job, words.format(name=name, job_id=job.provider_job_id, duration=duration), now)
        return
    delay = min(policy.settle_window - waited, max(policy.confirm_delay, waited))
    job.next_poll_at = now + timedelta(seconds=max(1.0, delay))
    if job.is_intent:
        job.note = _(
            "Sent to {name}, waiting for {name} to confirm it received this job (checking for "
            "up to {duration}). Do not send it again meanwhile: it may already be running."
        ).format(name=name, duration=duration_words(policy.settle_window))
    else:
        job.note = _(
            "{name} does not find this job right now (its id there is {job_id}); checking again."
        ).format(name=name, job_id=job.provider_job_id)
    touch(job, now)


def add_cost(job: Job, amount: float, unit: CostUnit, what: str) -> None:
    """Add the price of a call actually made to ``cost_used``."""
    before = job.cost_used
    same_unit = before is not None and before.unit is unit
    earlier = (before.amount or 0.0) if same_unit else 0.0
    total = amount + earlier
    parts = f"{before.explanation} + {what}" if before and before.explanation else what
    job.cost_used = Cost(amount=round(total, 6), unit=unit, estimated=False, explanation=parts)


def not_taken(exc: LipsyncError) -> bool:
    """Whether a create call was refused as "too many requests": the provider did not take it,
    so sending it again cannot pay twice (HTTP 429, or Kling's codes 1302 and 1303)."""
    if not isinstance(exc, RateLimitError):
        return False
    return exc.http_status == 429 or exc.provider_code in RESENDABLE_CODES


def create_error(job: Job, exc: LipsyncError, now: datetime, policy: PollPolicy) -> None:
    """A create call failed: a clear refusal fails the job; an unclear outcome is checked later;
    "too many requests" is sent again after the provider's ``Retry-After``.

    After an unclear outcome the job keeps its intent stage, so the next refresh asks the
    provider whether it received the call (where the provider allows asking) instead of
    sending it again.
    """
    name = job.provider_name
    if not_taken(exc) and job.resends < policy.max_resends:
        job.send_again = True
        job.resends += 1
        wait = max(getattr(exc, "retry_after", None) or 0.0, policy.confirm_delay)
        job.next_poll_at = now + timedelta(seconds=wait)
        job.note = _(
            "{name} is receiving too many requests and did not take this job; sending it again "
            "in {wait} (attempt {attempt} of {attempts})."
        ).format(
            name=name,
            wait=wait_words(wait),
            attempt=job.resends + 1,
            attempts=policy.max_resends + 1,
        )
        touch(job, now)
    elif not_taken(exc):
        # Kept with the job, so one message for every count (text kept with a job is matched
        # against singular messages only).
        words = _(
            "{name} refused this job {count} times because it was receiving too many requests, "
            "so it was never started and nothing was paid. Send it again later."
        )
        failed(job, words.format(name=name, count=job.resends + 1), now)
    elif isinstance(exc, ProviderError) and is_ambiguous(exc):
        job.note = _(
            "Sent to {name}, waiting for {name} to confirm it received this job ({problem}). "
            "Do not send it again meanwhile."
        ).format(name=name, problem=" ".join(str(exc).split()))
        job.next_poll_at = now + timedelta(seconds=policy.confirm_delay)
        touch(job, now)
    else:
        failed(job, str(exc), now)


def intent_not_found(job: Job, now: datetime, policy: PollPolicy) -> bool:
    """A lookup of an interrupted create call found nothing (yet); see :func:`not_found_yet`."""
    if not job.is_intent:
        return False
    not_found_yet(job, now, policy)
    return True


def resending(job: Job, now: datetime, policy: PollPolicy) -> bool:
    """Claim a job whose create call must be sent again (see ``Job.send_again``)."""
    if not job.send_again or job.is_final:
        return False
    job.send_again = False
    job.next_poll_at = now + timedelta(seconds=policy.submit_grace)
    touch(job, now)
    return True


def never_received(job: Job, now: datetime, waited: float) -> None:
    name = job.provider_name
    words = _(
        "{name} still has no record of this job after {duration} of checking, so it never "
        "started and {name} did not take it. You can send it again."
    )
    failed(job, words.format(name=name, duration=duration_words(waited)), now)


def name_tag(job: Job) -> str:
    """The mark put at the end of the ``name`` sent to a provider, to find the job there later."""
    return f"· {job.id[:12]}"


def tagged_name(job: Job) -> str:
    title = job.title or job.inputs.video_name or "Lip-sync"
    return f"{title[:80]} {name_tag(job)}"

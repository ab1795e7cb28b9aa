"""The unified job's data: one ``Job`` for every provider, its state, inputs, options and costs.

Every provider's own states map onto five :class:`JobState` values through one table per
provider (:data:`STATE_TABLES`); a state not in the table is an
:class:`~lipsync_core.errors.UnexpectedResponseError`, never a guess.

Costs, credits, durations and volumes are finite and not negative (:data:`Amount`). Such a
value is refused when a model is built or read, and one put into a job afterwards (by
assignment, which pydantic does not check) cannot be written either: serialising it raises, so
what could not be read back never reaches the history. No upper bound is set: a value the app
itself computes (a very long file's cost) must never turn a job's record unreadable.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from lipsync_core.errors import UnexpectedResponseError, provider_display_name
from lipsync_core.i18n import _


def utc_now() -> datetime:
    return datetime.now(UTC)


def _storable(value: float) -> float:
    """Serialise an :data:`Amount` only if it could be read back (JSON has no NaN nor inf)."""
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{value} is not a finite number of 0 or more and cannot be stored")
    return value


Amount = Annotated[float, Field(ge=0, allow_inf_nan=False), PlainSerializer(_storable)]
"""A cost, a number of credits, a duration in seconds or a volume: finite, 0 or more."""


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NEEDS_INPUT = "needs_input"


FINAL_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED})
# States in which the provider may still change something without the user doing anything.
WORKING_STATES = frozenset({JobState.QUEUED, JobState.RUNNING})


class Stage(StrEnum):
    """The plain step a job is at; the ``*ING`` intents mean a provider call may be under way."""

    SUBMITTING = "submitting"
    REGISTERING = "registering video"
    STARTING_GENERATION = "starting generation"
    GENERATING = "generating"
    WAITING_FOR_FACE = "waiting for face choice"
    CREATING_TASK = "creating task"


# A job in one of these stages has asked (or is about to ask) a provider to create something
# and has not yet saved the answer: it is recovered, never sent again blindly.
INTENT_STAGES = frozenset({Stage.SUBMITTING, Stage.STARTING_GENERATION, Stage.CREATING_TASK})

MODELS: dict[str, tuple[str, ...]] = {
    "ausynclab": ("prime", "nova"),
    "kling": ("advanced-lip-sync",),
    "twinsync": ("videotalking",),
}

# How a person knows a model, where a provider has more than one.
MODEL_NAMES = {"prime": "Prime", "nova": "Nova"}


def target_display_name(provider: str, model: str | None) -> str:
    """``AusyncLab Prime``, ``Kling``: a provider's name, with the model where there are two."""
    name = provider_display_name(provider)
    return f"{name} {MODEL_NAMES[model]}" if model in MODEL_NAMES else name


STATE_TABLES: dict[str, dict[str, JobState]] = {
    "ausynclab": {
        "PENDING": JobState.QUEUED,
        "PROCESSING": JobState.RUNNING,
        "COMPLETED": JobState.SUCCEEDED,
        "FAILED": JobState.FAILED,
    },
    "kling": {
        "submitted": JobState.QUEUED,
        "processing": JobState.RUNNING,
        "succeed": JobState.SUCCEEDED,
        "failed": JobState.FAILED,
    },
    "twinsync": {
        "waiting": JobState.QUEUED,
        "running": JobState.RUNNING,
        "succeeded": JobState.SUCCEEDED,
        "failed": JobState.FAILED,
    },
}


def map_provider_state(provider: str, provider_state: str) -> JobState:
    """The job state for a provider's own state; an unknown one is an unexpected answer."""
    table = STATE_TABLES[provider]
    try:
        return table[str(provider_state)]
    except KeyError:
        words = _("{name} reported the state {state}, which this app does not know.")
        raise UnexpectedResponseError(
            words.format(name=provider_display_name(provider), state=repr(provider_state)),
            provider=provider,
            provider_message=str(provider_state),
        ) from None


class CostUnit(StrEnum):
    """The unit of a :class:`Cost`: a provider's own money, or the user's currency.

    ``CURRENCY`` is an amount already in the currency the user priced it in (their own TwinSync
    price per second, which no provider publishes); :attr:`Cost.currency` says which.
    """

    CREDITS = "credits"
    PTC = "PTC"
    CURRENCY = "currency"
    UNKNOWN = "unknown"


class Cost(BaseModel):
    """An amount in a provider's own unit; ``estimated`` when nobody at the provider said so.

    ``currency`` is the code of the user's currency when ``unit`` is ``CURRENCY`` (``None`` for
    jobs saved before it was recorded).
    """

    model_config = ConfigDict(frozen=True)

    amount: Amount | None = None
    unit: CostUnit = CostUnit.UNKNOWN
    estimated: bool = False
    explanation: str = ""
    currency: str | None = None


class JobInputs(BaseModel):
    """The media of a job: each as a URL and/or a local path, with a display name.

    ``registered_video_id`` makes an AusyncLab Prime job generate from an existing registration
    instead of registering ``video``. Durations (seconds) are the probed ones, when known.
    """

    video_url: str | None = None
    video_path: str | None = None
    video_name: str | None = None
    audio_url: str | None = None
    audio_path: str | None = None
    audio_name: str | None = None
    registered_video_id: int | None = None
    audio_duration: Amount | None = None
    video_duration: Amount | None = None


class KlingFace(BaseModel):
    """A face Kling found: its id, a picture of it, and when it can be lip-synced (ms)."""

    face_id: str
    face_image: str | None = None
    start_time: int
    end_time: int


class JobOptions(BaseModel):
    """Provider options; fields that do not apply to a job's provider are ignored.

    ``use_v2`` sends an AusyncLab Prime job through ``/generate-lipsync-v2`` (no registration);
    Nova always goes that way. The Kling fields are filled by the face identification
    (``session_id``, ``faces``) and by the user's choice (``face_id`` and the sound timing).
    """

    sync_mode: str = "loop"
    use_v2: bool = False
    registration_reused: bool = False
    """``registered_video_id`` was taken from an earlier job with the same video: if AusyncLab
    no longer has it, the job registers the video itself instead of failing."""
    session_id: str | None = None
    faces: list[KlingFace] = Field(default_factory=list)
    face_id: str | None = None
    sound_start_time: int | None = None
    sound_end_time: int | None = None
    sound_insert_time: int | None = None
    sound_volume: Amount | None = None
    original_audio_volume: Amount | None = None


class DownloadState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class QualityState(StrEnum):
    """Where a result's lip-sync measure is: to do (or under way), done, or impossible."""

    PENDING = "pending"
    MEASURED = "measured"
    FAILED = "failed"


class JobQuality(BaseModel):
    """The lip-sync measure of a job's result, kept with the job.

    ``report`` is :meth:`lipsync_core.quality.SyncReport.to_dict` (its ``reason`` says why a
    ``FAILED`` one could not be measured); ``seconds`` is how long measuring took;
    ``attempts`` counts the measurements started since the last request, so a result that
    stops every process measuring it is given up on instead of taken again forever.
    """

    state: QualityState = QualityState.PENDING
    report: dict[str, Any] | None = None
    measured_at: datetime | None = None
    seconds: Amount | None = None
    attempts: int = 0


class Job(BaseModel):
    """One intended lip-sync job at one provider, from intent to result; never holds a key."""

    id: str
    provider: str
    model: str
    title: str | None = None
    sent_by: str | None = None
    """Who sent it: the signed-in person, or ``None`` on a dashboard without sign-in."""
    provider_job_id: str | None = None
    registered_video_id: int | None = None
    group_id: str | None = None
    inputs: JobInputs = Field(default_factory=JobInputs)
    options: JobOptions = Field(default_factory=JobOptions)
    state: JobState = JobState.QUEUED
    stage: Stage | None = Stage.SUBMITTING
    provider_state: str | None = None
    output_url: str | None = None
    thumbnail_url: str | None = None
    output_path: str | None = None
    thumbnail_path: str | None = None
    download_state: DownloadState | None = None
    download_attempts: int = 0
    estimated_cost: Cost | None = None
    cost_used: Cost | None = None
    reported_credits: dict[str, Amount] = Field(default_factory=dict)
    error: str | None = None
    note: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    deadline_at: datetime | None = None
    next_poll_at: datetime | None = None
    polls: int = 0
    unconfirmed_since: datetime | None = None
    """When the provider was first found not to know this job (an unclear create call, or a
    status check answered "not found"): the job ends only if that lasts the settle window."""
    send_again: bool = False
    """The last create call was refused as "too many requests", so it was not taken: send it
    again when due (at most ``PollPolicy.max_resends`` times)."""
    resends: int = 0
    failing_since: datetime | None = None
    """When the status checks started failing (timeouts, 5xx, 429, unreadable answers); cleared by
    the next readable answer."""
    failed_checks: int = 0
    quality: JobQuality | None = None
    """The lip-sync measure of the local result (``None``: none asked for yet)."""
    sandbox: bool = False
    idempotency_key: str | None = None
    version: int = 0

    @property
    def provider_name(self) -> str:
        return provider_display_name(self.provider)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def is_damaged(self) -> bool:
        """Whether this is what the history could still read of a damaged record."""
        return False

    @property
    def is_working(self) -> bool:
        """Whether the job may still change on its own (the page keeps refreshing)."""
        return self.state in WORKING_STATES

    @property
    def is_intent(self) -> bool:
        """Whether a create call may have been sent whose answer was not saved yet."""
        return self.stage in INTENT_STAGES and not self.is_final

    @property
    def quality_state(self) -> QualityState | None:
        """The measure's state; a succeeded job whose result is copied is due one."""
        if self.quality is not None:
            return self.quality.state
        if self.state is JobState.SUCCEEDED and self.download_state is DownloadState.DONE:
            return QualityState.PENDING
        return None

    def elapsed(self, now: datetime | None = None) -> float:
        """Seconds from creation to the end (or to ``now`` while not finished)."""
        end = self.finished_at or now or utc_now()
        return max(0.0, (end - self.created_at).total_seconds())

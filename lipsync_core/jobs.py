"""The unified job across AusyncLab, Kling and TwinSync: submit, choose a face, refresh, retry.

:class:`JobService` is the one object the pages (and scripts) use. It records each intended job
in the history *before* calling a provider, so a double click, a rerun or a crash can neither
create a second provider job (the idempotency key is a unique index) nor lose one (the intent
is recovered: Kling by ``external_task_id``, AusyncLab by the tag in the ``name``; TwinSync
cannot be asked, so such a job fails with words that say so). Status refresh is batched per
provider and meant to run in one background :class:`~lipsync_core.refresher.Refresher` per
process, shared by every browser session; the pages only read the history.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lipsync_core.callbacks import callback_applied, parse_callback
from lipsync_core.config import Settings
from lipsync_core.downloads import DownloadError, copy_result, download_failed, downloaded
from lipsync_core.errors import (
    LipsyncError,
)
from lipsync_core.flows.ausynclab import registers_video, uses_v2
from lipsync_core.flows.clients import ClientPool, ClientSource, client_factories
from lipsync_core.flows.common import PollPolicy
from lipsync_core.flows.kling import (
    FaceChoiceError,
    face_chosen,
    find_face,
    timing_arguments,
    timing_with_defaults,
)
from lipsync_core.flows.model import (
    MODELS,
    STATE_TABLES,
    Cost,
    CostUnit,
    Job,
    JobInputs,
    JobOptions,
    JobState,
    KlingFace,
    Stage,
    map_provider_state,
    utc_now,
)
from lipsync_core.flows.registrations import registered_copy
from lipsync_core.flows.sources import kling_sound_file
from lipsync_core.grouped_history import count_units, list_units
from lipsync_core.i18n import DEFAULT_LANGUAGE, _, kept_in_english, use_language
from lipsync_core.media import limits
from lipsync_core.preferences import Preferences
from lipsync_core.pricing import TwinSyncPrice, price_of
from lipsync_core.quality_jobs import QualityJobs
from lipsync_core.runner import FlowRunner
from lipsync_core.store import ComparisonGroup, JobFilter, JobStore
from lipsync_core.submission import (
    SubmissionError,
    check_target,
    check_title,
    intended_job,
    job_key,
    measured,
    sends_video,
)
from lipsync_core.team import Team

logger = logging.getLogger(__name__)


class JobNotFoundError(LipsyncError):
    """The job asked for is not (or no longer) in the history."""


@dataclass(frozen=True)
class HistoryPage:
    """What the status page shows per rerun: one page of jobs, the counts, and whether to poll."""

    jobs: list[Job]
    total: int
    counts: dict[JobState, int]
    has_working: bool
    page: int
    page_size: int
    units: int | None = None  # paged by comparison: the groups and lone jobs that match

    @property
    def pages(self) -> int:
        paged = self.total if self.units is None else self.units
        return max(1, -(-paged // self.page_size))


@dataclass
class RefreshReport:
    """What one refresh did: how many jobs were due, and which of them just finished."""

    due: int = 0
    finished: list[str] = field(default_factory=list)
    downloaded: int = 0


class JobService:
    """Submit, follow and keep lip-sync jobs; one instance per process, safe to share.

    ``clients`` maps a provider to a client, or better to a zero-argument factory (see
    :func:`client_factories`) so each thread gets its own ``requests.Session``. ``clock`` gives
    the current time (tz-aware UTC). ``callback_url``, when the deployment can receive them, is
    sent to AusyncLab so its callbacks can report the credits used (see :meth:`record_callback`).
    """

    def __init__(
        self,
        store: JobStore,
        clients: Mapping[str, ClientSource],
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        policy: PollPolicy | None = None,
        callback_url: str | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.policy = policy or PollPolicy()
        self._clients = ClientPool(clients)
        self._clock = clock
        self._runner = FlowRunner(store, self._clients, settings, self.policy, clock)
        self.callback_url = callback_url
        self._quality = QualityJobs(store, self._runner.owner, clock)
        self.team = Team(store.engine, clock=clock)  # the activity list and team settings
        self.preferences = Preferences(store.engine, clock=clock)  # each person's language

    @classmethod
    def from_settings(
        cls, settings: Settings, *, sandbox_base_urls: Mapping[str, str] | None = None, **kw: Any
    ) -> JobService:
        """The service over the configured database, with a client factory per provider."""
        factories = client_factories(settings, sandbox_base_urls=sandbox_base_urls)
        return cls(JobStore.from_settings(settings), factories, settings, **kw)

    @property
    def callback_url(self) -> str | None:
        """Where AusyncLab sends its callbacks for this deployment (``None``: it cannot)."""
        return self._runner.callback_url

    @callback_url.setter
    def callback_url(self, url: str | None) -> None:
        self._runner.callback_url = url

    @property
    def providers(self) -> frozenset[str]:
        """The providers this service can reach (not Off)."""
        return self._clients.providers

    # -- submitting -----------------------------------------------------------------------------

    def submit(
        self,
        provider: str,
        model: str,
        inputs: JobInputs,
        *,
        options: JobOptions | None = None,
        title: str | None = None,
        idempotency_key: str | None = None,
        twinsync_price: TwinSyncPrice | None = None,
        actor: str | None = None,
    ) -> Job:
        """Send one job; the same ``idempotency_key`` again returns that job, sending nothing.

        ``twinsync_price``: the team's TwinSync price, for the job's cost estimate; ``actor``:
        the signed-in person sending it (``None`` without sign-in).
        """
        return self._submit(
            [(provider, model)], inputs, options, title, idempotency_key, price=twinsync_price,
            actor=actor,
        )[0]  # fmt: skip

    def submit_group(
        self,
        targets: Sequence[tuple[str, str]],
        inputs: JobInputs,
        *,
        options: JobOptions | None = None,
        title: str | None = None,
        idempotency_key: str | None = None,
        twinsync_price: TwinSyncPrice | None = None,
        actor: str | None = None,
    ) -> list[Job]:
        """Send the same input to several providers/models as one comparison group."""
        return self._submit(
            targets, inputs, options, title, idempotency_key, group=True, price=twinsync_price,
            actor=actor,
        )  # fmt: skip

    def choose_face(
        self,
        job_id: str,
        face_id: str,
        *,
        sound_start_time: int = 0,
        sound_end_time: int | None = None,
        sound_insert_time: int | None = None,
        sound_volume: float = 1.0,
        original_audio_volume: float = 1.0,
    ) -> Job:
        """Create a Kling job's task for the chosen face, after checking Kling's timing rules.

        Times are milliseconds. By default the whole audio (as much as fits in the video) is
        inserted where the face starts being visible. Blocking timing findings raise
        :class:`~lipsync_core.errors.MediaValidationError` before anything is sent; calling again
        for a job whose task is already being created returns the job unchanged.
        """
        job = self._job(job_id)
        if job.state is not JobState.NEEDS_INPUT:
            if job.provider == "kling" and job.options.face_id is not None:
                return job
            raise FaceChoiceError(_("This job is not waiting for a face choice."))
        face = find_face(job, face_id)
        job = self._with_durations(job)
        timing = (sound_start_time, sound_end_time, sound_insert_time)
        choice = timing_with_defaults(job, face, *timing, sound_volume, original_audio_volume)
        with use_language(DEFAULT_LANGUAGE):  # the findings become the job's note: English
            findings = limits.validate_kling_timing(**timing_arguments(job, face, choice))
        limits.ensure_valid(findings)
        kling_sound_file(job.inputs)
        note = " ".join(f.message for f in findings) or None
        now = self._clock()
        saved = self._runner.claim(job.id, face_chosen, choice, job.inputs, note, now, self.policy)
        if saved is None:
            return self.store.get(job.id) or job
        self._runner.create_kling_task(saved)
        return self._job(job_id)

    def retry(
        self, job_id: str, *, idempotency_key: str | None = None, actor: str | None = None
    ) -> Job:
        """Submit again: a new job with the same inputs and options, in no comparison group (the
        old group compared what was sent together; a re-send is a new comparison of its own).

        Without a key, the key is derived from the old job, so "submit again" clicked twice
        makes one new job. A Prime job whose video was already registered reuses it.
        """
        old = self._job(job_id)
        inputs = old.inputs.model_copy()
        if old.provider == "ausynclab" and _registration_done(old):
            inputs.registered_video_id = old.registered_video_id
        options = old.options.model_copy(update={"session_id": None, "faces": [], "face_id": None})
        key = idempotency_key or f"retry:{old.id}"
        return self._submit(
            [(old.provider, old.model)], inputs, options, old.title, key, price=price_of(old),
            actor=actor, again_of=old.id,
        )[0]  # fmt: skip

    def remove(self, job_id: str, *, actor: str | None = None) -> bool:
        """Remove a job from the history, for everyone (a job still running at its provider
        keeps running); ``actor`` is recorded in the activity list."""
        job = self.store.get(job_id)
        removed = self.store.delete(job_id)
        if removed and job is not None:
            self.team.removed(actor, job)
        return removed

    def record_callback(self, job_id: str, payload: Mapping[str, Any]) -> Job | None:
        """Take an AusyncLab callback for one job (the receiver checked the job's secret).

        The credits it reports are kept and the job is checked soon, by the rules of
        :mod:`lipsync_core.callbacks`; a body out of range or about another video raises
        :class:`~lipsync_core.callbacks.CallbackRefused` and changes nothing. Returns the job,
        or ``None`` if it is no longer in the history.
        """
        callback = parse_callback(payload)
        return self._runner.update(job_id, callback_applied, callback, self._clock())

    # -- reading --------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def get_many(self, job_ids: Sequence[str]) -> list[Job]:
        return self.store.get_many(job_ids)

    def history(
        self,
        filters: JobFilter | None = None,
        *,
        page: int = 1,
        page_size: int = 25,
        by_group: bool = False,
    ) -> HistoryPage:
        """One page of the history (newest first), the counts per state, and the active check.

        ``by_group``: a page holds ``page_size`` comparison groups and lone jobs, each group
        whole (:mod:`lipsync_core.grouped_history`); otherwise ``page_size`` jobs."""
        page = max(1, page)
        page_size = max(1, min(page_size, 200))
        offset = (page - 1) * page_size
        units = None
        if by_group:
            jobs = list_units(self.store, filters, limit=page_size, offset=offset)
            units = count_units(self.store, filters)
        else:
            jobs = self.store.list_jobs(filters, limit=page_size, offset=offset)
        counts = self.store.count_by_state(filters)
        return HistoryPage(
            jobs=jobs,
            total=sum(counts.values()),
            counts=counts,
            has_working=self.store.has_working(),
            page=page,
            page_size=page_size,
            units=units,
        )

    def group(self, group_id: str) -> tuple[ComparisonGroup | None, list[Job]]:
        jobs = self.store.list_jobs(JobFilter(group_id=group_id), limit=100)
        return self.store.get_group(group_id), jobs

    def set_favourite(self, group_id: str, job_id: str | None, *, actor: str | None = None) -> bool:
        """Mark a comparison's favourite (``None`` clears it), saying who and when."""
        saved = self.store.set_favourite(group_id, job_id, by=actor, at=self._clock())
        if saved:
            self.team.favourite(actor, group_id, self.store.get(job_id) if job_id else None)
        return saved

    # -- refreshing -----------------------------------------------------------------------------

    def refresh_due(self, now: datetime | None = None, *, download: bool = True) -> RefreshReport:
        """Check every job that is due, batched per provider; then copy new results.

        AusyncLab: one ``list_generated_videos()`` (and one ``list_registered_videos()`` while a
        job registers) for all its jobs; Kling and TwinSync: one status call per due job.
        """
        due, watched = self._runner.refresh_due(now)
        report = RefreshReport(due=due)
        report.finished = [j.id for j in self.store.get_many(watched) if j.is_final]
        if download:
            report.downloaded = self.download_outputs()
        return report

    @kept_in_english
    def download_outputs(self, limit: int = 10) -> int:
        """Copy the results of newly succeeded jobs into ``<data_dir>/outputs/``; each result is
        copied by one process only (it leases the job while copying)."""
        owner, lease = self._runner.owner, self.policy.download_lease_seconds
        claimed = self.store.claim_downloads(self._clock(), owner, lease=lease, limit=limit)
        copied = 0
        try:
            for job in claimed:
                try:
                    video, thumbnail = copy_result(job, self.settings.data_dir)
                except DownloadError as exc:
                    self._runner.update(job.id, download_failed, exc, self.policy.download_attempts)
                    continue
                self._runner.update(job.id, downloaded, video, thumbnail)
                copied += 1
        finally:
            self.store.release([job.id for job in claimed], owner)
        return copied

    @kept_in_english
    def measure_results(self, limit: int = 5) -> int:
        """Measure the lip sync of copied results not measured yet, one at a time (each result
        by one process only: it leases the job); see :mod:`lipsync_core.quality_jobs`."""
        return self._quality.measure_pending(limit)

    def measure_again(self, job_id: str) -> Job:
        """Measure a result's lip sync again, soon, in the background."""
        return self._quality.request(job_id)

    # -- internals ------------------------------------------------------------------------------

    def _submit(
        self,
        targets: Sequence[tuple[str, str]],
        inputs: JobInputs,
        options: JobOptions | None,
        title: str | None,
        key: str | None,
        *,
        group: bool = False,
        group_id: str | None = None,
        price: TwinSyncPrice | None = None,
        actor: str | None = None,
        again_of: str | None = None,
    ) -> list[Job]:
        if not targets:
            raise SubmissionError(_("Choose at least one provider."))
        check_title(title)
        if key is not None:
            known = [self.store.get_by_idempotency_key(job_key(key, p, m)) for p, m in targets]
            if all(known):
                return [job for job in known if job is not None]
        for provider, model in targets:
            on = self._clients.get(provider) is not None
            sandbox = self._is_sandbox(provider)
            check_target(provider, model, inputs, on=on, sandbox=sandbox, settings=self.settings)
        now = self._clock()
        if group:
            group_id = self.store.insert_group(
                uuid.uuid4().hex, idempotency_key=key, created_by=actor
            ).id
        inputs = self._measured(inputs, video=any(sends_video(p, inputs) for p, _model in targets))
        recorded = [
            self.store.insert(
                intended_job(
                    p, m, *self._reusing(p, m, inputs, options or JobOptions()), title=title,
                    key=key, group_id=group_id, now=now, sandbox=self._is_sandbox(p),
                    submit_grace=self.policy.submit_grace, price=price, sent_by=actor,
                )
            )
            for p, m in targets
        ]  # fmt: skip
        created = [job for job, new in recorded if new]
        if created:
            self.team.sent(actor, created, group_id=group_id if group else None, again_of=again_of)
        for job in created:
            self._runner.start(job)
        saved = self.store.get_many([job.id for job, _new in recorded])
        return saved or [job for job, _new in recorded]

    def _reusing(
        self, provider: str, model: str, inputs: JobInputs, options: JobOptions
    ) -> tuple[JobInputs, JobOptions]:
        """A Prime job that would register its video takes the registration an earlier job of
        this history made of the same video (the same link, or the same uploaded file, whose
        name is its content's hash), or else a COMPLETED one of the account's own list (made by
        the library page, say), instead of registering it once more."""
        if not registers_video(provider, model, inputs, options):
            return inputs, options
        source = inputs.video_url or inputs.video_path
        sandbox = self._is_sandbox(provider)
        found = self.store.registration_of(source, sandbox=sandbox) or registered_copy(
            self._clients.get(provider), inputs, sandbox=sandbox, settings=self.settings
        )
        if found is None:
            return inputs, options
        reused = inputs.model_copy(update={"registered_video_id": found})
        return reused, options.model_copy(update={"registration_reused": True})

    def close(self) -> None:
        """Stop the status-check threads and release the database (end of process or test)."""
        self._runner.close()
        self.store.close()

    def measure(self, inputs: JobInputs, *, video: bool = True) -> JobInputs:
        """The inputs with the audio's (and the video's) length measured, as a submission would;
        a medium that cannot be read raises ``MediaValidationError`` naming the field."""
        return self._measured(inputs, video=video)

    def _measured(self, inputs: JobInputs, *, video: bool) -> JobInputs:
        """The inputs with their lengths probed; the sandbox's own host may be fetched."""
        hosts = [h for p in self.providers if self._is_sandbox(p) and (h := self._clients.host(p))]
        return measured(inputs, video=video, allowed_hosts=hosts)

    def _with_durations(self, job: Job) -> Job:
        if job.inputs.audio_duration is not None and job.inputs.video_duration is not None:
            return job
        inputs = self._measured(job.inputs, video=job.provider == "kling")
        return job.model_copy(update={"inputs": inputs})

    def _is_sandbox(self, provider: str) -> bool:
        return self._runner.is_sandbox(provider)

    def _job(self, job_id: str) -> Job:
        job = self.store.get(job_id)
        if job is None:
            raise JobNotFoundError(_("This job is no longer in the history."))
        return job


def _registration_done(job: Job) -> bool:
    """Whether a Prime job got past its registration (it then has a generation id)."""
    return bool(job.registered_video_id and job.provider_job_id and not uses_v2(job))


__all__ = [
    "MODELS",
    "STATE_TABLES",
    "Cost",
    "CostUnit",
    "FaceChoiceError",
    "HistoryPage",
    "Job",
    "JobFilter",
    "JobInputs",
    "JobNotFoundError",
    "JobOptions",
    "JobService",
    "JobState",
    "JobStore",
    "KlingFace",
    "PollPolicy",
    "RefreshReport",
    "Stage",
    "SubmissionError",
    "TwinSyncPrice",
    "client_factories",
    "map_provider_state",
]

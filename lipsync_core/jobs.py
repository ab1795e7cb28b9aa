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

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lipsync_core import limits, media, pricing
from lipsync_core.config import Connection, Settings
from lipsync_core.downloads import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    DownloadError,
    download,
    outputs_dir,
    suffix_for,
)
from lipsync_core.errors import (
    ConfigurationError,
    LipsyncError,
    MediaValidationError,
    UnexpectedResponseError,
    provider_display_name,
)
from lipsync_core.flows.ausynclab import AusyncLabFlow, settle_cost, uses_v2
from lipsync_core.flows.clients import ClientPool, ClientSource, client_factories
from lipsync_core.flows.common import FlowContext, PollPolicy, create_error, expect_answer
from lipsync_core.flows.kling import KlingFlow
from lipsync_core.flows.model import (
    FINAL_STATES,
    MODELS,
    STATE_TABLES,
    Cost,
    CostUnit,
    DownloadState,
    Job,
    JobInputs,
    JobOptions,
    JobState,
    KlingFace,
    Stage,
    map_provider_state,
    utc_now,
)
from lipsync_core.flows.sources import kling_sound_file, media_url, public_url_for
from lipsync_core.flows.twinsync import TwinSyncFlow
from lipsync_core.providers.ausynclab import LipsyncCallback, RegistrationCallback
from lipsync_core.store import ComparisonGroup, JobFilter, JobStore

logger = logging.getLogger(__name__)

FLOWS = {"ausynclab": AusyncLabFlow(), "kling": KlingFlow(), "twinsync": TwinSyncFlow()}
# Providers whose refresh reads one list for all their jobs, so every active job goes along.
BATCHED = frozenset({"ausynclab"})
UPDATE_ATTEMPTS = 10
# Every unit an estimate can come in (lipsync_core.pricing.Unit) as the unit of a job's cost.
COST_UNITS: dict[pricing.Unit, CostUnit] = {
    "credits": CostUnit.CREDITS,
    "PTC": CostUnit.PTC,
    "currency": CostUnit.CURRENCY,
    "unknown": CostUnit.UNKNOWN,
}


class JobNotFoundError(LipsyncError):
    """The job asked for is not (or no longer) in the history."""


class SubmissionError(LipsyncError):
    """A submission cannot be sent as it is: no provider chosen, or no such provider or model."""


class FaceChoiceError(LipsyncError):
    """A Kling face choice cannot be used: wrong face, or the job is not waiting for one."""


@dataclass(frozen=True)
class HistoryPage:
    """What the status page shows per rerun: one page of jobs, the counts, and whether to poll."""

    jobs: list[Job]
    total: int
    counts: dict[JobState, int]
    has_working: bool
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


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
        self.callback_url = callback_url
        self._inflight: set[str] = set()
        self._inflight_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, sandbox_base_urls: Mapping[str, str] | None = None, **kw: Any
    ) -> JobService:
        """The service over the configured database, with a client factory per provider."""
        factories = client_factories(settings, sandbox_base_urls=sandbox_base_urls)
        return cls(JobStore.from_settings(settings), factories, settings, **kw)

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
    ) -> Job:
        """Send one job; the same ``idempotency_key`` again returns that job, sending nothing.

        ``twinsync_price``: the user's own TwinSync price, for the job's cost estimate.
        """
        return self._submit(
            [(provider, model)], inputs, options, title, idempotency_key, price=twinsync_price
        )[0]

    def submit_group(
        self,
        targets: Sequence[tuple[str, str]],
        inputs: JobInputs,
        *,
        options: JobOptions | None = None,
        title: str | None = None,
        idempotency_key: str | None = None,
        twinsync_price: TwinSyncPrice | None = None,
    ) -> list[Job]:
        """Send the same input to several providers/models as one comparison group."""
        return self._submit(
            targets, inputs, options, title, idempotency_key, group=True, price=twinsync_price
        )

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
            raise FaceChoiceError("This job is not waiting for a face choice.")
        face = _face(job, face_id)
        job = self._with_durations(job)
        timing = (sound_start_time, sound_end_time, sound_insert_time)
        choice = _timing(job, face, *timing, sound_volume, original_audio_volume)
        findings = limits.validate_kling_timing(**_timing_arguments(job, face, choice))
        limits.ensure_valid(findings)
        kling_sound_file(job.inputs)
        note = " ".join(f.message for f in findings) or None
        now = self._clock()
        saved = self._claim(job.id, _face_chosen, choice, job.inputs, note, now, self.policy)
        if saved is None:
            return self.store.get(job.id) or job
        with self._sending(saved.id):
            try:
                FLOWS["kling"].create_task(saved, self._context("kling"))
            except LipsyncError as exc:
                self._update(saved.id, create_error, exc, self._clock(), self.policy)
        return self._job(job_id)

    def retry(self, job_id: str, *, idempotency_key: str | None = None) -> Job:
        """Submit again: a new job with the same inputs and options (in the same group).

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
            [(old.provider, old.model)], inputs, options, old.title, key,
            group_id=old.group_id, price=_price_of(old),
        )[0]  # fmt: skip

    def remove(self, job_id: str) -> bool:
        """Remove a job from the history (a job still running at its provider keeps running)."""
        return self.store.delete(job_id)

    def record_callback(
        self, payload: Mapping[str, Any] | LipsyncCallback | RegistrationCallback
    ) -> Job | None:
        """Take an AusyncLab callback body: keep the credits it reports, and check the job soon.

        Returns the job it belongs to, or ``None`` if none does (a callback for someone else's
        video, or for a job removed from the history).
        """
        callback = _parse_callback(payload)
        video_id = str(callback.video_id)
        if isinstance(callback, LipsyncCallback):
            job = self.store.find_by_provider_job_id("ausynclab", video_id)
            part = "generation"
        else:
            active = self.store.active("ausynclab")
            job = next((j for j in active if j.registered_video_id == callback.video_id), None)
            part = "registration"
        if job is None:
            return None
        return self._update(job.id, _callback_applied, part, callback, self._clock())

    # -- reading --------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def get_many(self, job_ids: Sequence[str]) -> list[Job]:
        return self.store.get_many(job_ids)

    def history(
        self, filters: JobFilter | None = None, *, page: int = 1, page_size: int = 25
    ) -> HistoryPage:
        """One page of the history (newest first), the counts per state, and the active check."""
        page = max(1, page)
        page_size = max(1, min(page_size, 200))
        jobs = self.store.list_jobs(filters, limit=page_size, offset=(page - 1) * page_size)
        counts = self.store.count_by_state(filters)
        return HistoryPage(
            jobs=jobs,
            total=sum(counts.values()),
            counts=counts,
            has_working=self.store.has_working(),
            page=page,
            page_size=page_size,
        )

    def group(self, group_id: str) -> tuple[ComparisonGroup | None, list[Job]]:
        jobs = self.store.list_jobs(JobFilter(group_id=group_id), limit=100)
        return self.store.get_group(group_id), jobs

    def set_favourite(self, group_id: str, job_id: str | None) -> bool:
        return self.store.set_favourite(group_id, job_id)

    # -- refreshing -----------------------------------------------------------------------------

    def refresh_due(self, now: datetime | None = None, *, download: bool = True) -> RefreshReport:
        """Check every job that is due, batched per provider; then copy new results.

        AusyncLab: one ``list_generated_videos()`` (and one ``list_registered_videos()`` while a
        job registers) for all its jobs; Kling and TwinSync: one status call per due job.
        """
        moment = now or self._clock()
        due = self.store.due(moment, exclude=self._sending_now())
        by_provider: dict[str, list[Job]] = {}
        for job in due:
            by_provider.setdefault(job.provider, []).append(job)
        watched = {job.id for job in due}
        for provider, jobs in by_provider.items():
            watched |= self._refresh_provider(provider, jobs, moment if now else None)
        report = RefreshReport(due=len(due))
        report.finished = [j.id for j in self.store.get_many(watched) if j.is_final]
        if download:
            report.downloaded = self.download_outputs()
        return report

    def download_outputs(self, limit: int = 10) -> int:
        """Copy the results of newly succeeded jobs into ``<data_dir>/outputs/``."""
        copied = 0
        for job in self.store.pending_downloads(limit):
            copied += self._download(job)
        return copied

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
    ) -> list[Job]:
        if not targets:
            raise SubmissionError("Choose at least one provider.")
        if key is not None:
            known = [self.store.get_by_idempotency_key(_job_key(key, p, m)) for p, m in targets]
            if all(known):
                return [job for job in known if job is not None]
        for provider, model in targets:
            self._check_target(provider, model, inputs)
        now = self._clock()
        if group:
            group_id = self.store.insert_group(uuid.uuid4().hex, idempotency_key=key).id
        inputs = self._measured(inputs, [p for p, _ in targets])
        recorded = [
            self.store.insert(
                self._intent(
                    p, m, inputs, options or JobOptions(), title, key, group_id, now, price
                )
            )
            for p, m in targets
        ]
        for job, created in recorded:
            if created:
                self._start(job)
        return self.store.get_many([job.id for job, _ in recorded]) or [j for j, _ in recorded]

    def _check_target(self, provider: str, model: str, inputs: JobInputs) -> None:
        """Refuse, before anything is recorded, what cannot be sent."""
        if provider not in MODELS:
            raise SubmissionError(f"There is no provider {provider!r}.")
        name = provider_display_name(provider)
        if model not in MODELS[provider]:
            models = ", ".join(MODELS[provider])
            raise SubmissionError(f"{name} has no model {model!r}; choose {models}.")
        if self._clients.get(provider) is None:
            raise ConfigurationError(
                f"{name} is off: set its API key, or LIPSYNC_SANDBOX=auto to use the sandbox."
            )
        sandbox = self._is_sandbox(provider)
        needs_video = not (provider == "ausynclab" and inputs.registered_video_id is not None)
        if needs_video:
            media_url(inputs, "video", provider=provider, sandbox=sandbox, settings=self.settings)
        if provider == "kling":
            kling_sound_file(inputs)
        else:
            media_url(inputs, "audio", provider=provider, sandbox=sandbox, settings=self.settings)

    def _intent(
        self,
        provider: str,
        model: str,
        inputs: JobInputs,
        options: JobOptions,
        title: str | None,
        key: str | None,
        group_id: str | None,
        now: datetime,
        price: TwinSyncPrice | None = None,
    ) -> Job:
        return Job(
            id=uuid.uuid4().hex,
            provider=provider,
            model=model,
            title=title,
            group_id=group_id,
            inputs=inputs,
            options=options.model_copy(deep=True),
            state=JobState.QUEUED,
            stage=Stage.SUBMITTING,
            created_at=now,
            updated_at=now,
            next_poll_at=now + timedelta(seconds=self.policy.submit_grace),
            sandbox=self._is_sandbox(provider),
            idempotency_key=_job_key(key, provider, model),
            estimated_cost=estimate_cost(
                provider,
                model,
                inputs.audio_duration,
                twinsync_price_per_second=price.per_second if price else None,
                currency=price.currency if price else None,
            ),
        )

    def _start(self, job: Job) -> None:
        with self._sending(job.id):
            try:
                FLOWS[job.provider].start(job, self._context(job.provider))
            except LipsyncError as exc:
                self._update(job.id, create_error, exc, self._clock(), self.policy)

    def _refresh_provider(self, provider: str, due: list[Job], now: datetime | None) -> set[str]:
        """Refresh one provider's due jobs; returns the ids of every job the refresh looked at."""
        usable = [job for job in due if self._reachable(job)]
        if not usable:
            return set()
        active = self.store.active(provider) if provider in BATCHED else []
        active = [job for job in active if job.id not in self._sending_now() and not job.is_final]
        try:
            FLOWS[provider].refresh(usable, active, self._context(provider, now))
        except Exception:
            # A bug must not stop the other providers' jobs, nor make this one retry every tick.
            logger.exception("refreshing %s jobs failed", provider)
            later = (now or self._clock()) + timedelta(seconds=self.policy.overdue_interval)
            for job in usable:
                self._update(job.id, _postpone, later)
        return {job.id for job in active}

    def _reachable(self, job: Job) -> bool:
        """A job made on the sandbox cannot be checked at the live provider, nor the reverse.

        Such a job is not failed (the setting may come back): it waits, saying why.
        """
        client_missing = self._clients.get(job.provider) is None
        if not client_missing and job.sandbox == self._is_sandbox(job.provider):
            return True
        where = "the sandbox" if job.sandbox else f"the live {job.provider_name} service"
        note = (
            f"This job was sent to {where}, which this app is not set to use for "
            f"{job.provider_name} now, so it cannot be checked until that setting is back."
        )
        later = self._clock() + timedelta(seconds=self.policy.error_backoff_max)
        self._update(job.id, _postpone, later, note)
        return False

    def _context(self, provider: str, now: datetime | None = None) -> FlowContext:
        return FlowContext(
            clients=lambda: self._clients.get(provider),
            settings=self.settings,
            policy=self.policy,
            clock=(lambda: now) if now is not None else self._clock,
            update=self._update,
            claim=self._claim,
            for_each=self._for_each,
            callback_url=self.callback_url,
        )

    def _for_each(self, work: Callable[[Job], None], jobs: Sequence[Job]) -> None:
        """Run one status check per job, up to ``policy.parallel_checks`` at a time.

        Each worker thread uses its own clients; the first error raised (a bug: provider
        errors are handled per job) is raised again once every check has ended.
        """
        if len(jobs) < 2 or self.policy.parallel_checks < 2:
            for job in jobs:
                work(job)
            return
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.policy.parallel_checks, thread_name_prefix="lipsync-check"
                )
            pool = self._pool
        for future in [pool.submit(work, job) for job in jobs]:
            future.result()

    def close(self) -> None:
        """Stop the status-check threads and release the database (end of process or test)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        self.store.close()

    def _update(self, job_id: str, change: Callable[..., bool | None], *args: Any) -> Job | None:
        """Re-read, change and save a job, again if another writer got there first.

        Returns the saved job, the job as it is if ``change`` declined (returned ``False``), or
        ``None`` if the job is gone.
        """
        saved, _ = self._change(job_id, change, *args)
        return saved

    def _claim(self, job_id: str, change: Callable[..., bool | None], *args: Any) -> Job | None:
        """Like :meth:`_update`, but ``None`` unless *this* call made and saved the change.

        Used before a create call: of two threads or processes moving the same job to an intent
        stage, exactly one gets the job back and makes the call.
        """
        saved, changed = self._change(job_id, change, *args)
        return saved if changed else None

    def _change(
        self, job_id: str, change: Callable[..., bool | None], *args: Any
    ) -> tuple[Job | None, bool]:
        for _ in range(UPDATE_ATTEMPTS):
            job = self.store.get(job_id)
            if job is None:
                return None, False
            if change(job, *args) is False:
                return job, False
            saved = self.store.update(job)
            if saved is not None:
                return saved, True
        raise RuntimeError(f"job {job_id} kept changing under {UPDATE_ATTEMPTS} updates")

    @contextmanager
    def _sending(self, job_id: str) -> Iterator[None]:
        """Mark a job as being sent by this process, so the refresher leaves it alone."""
        with self._inflight_lock:
            self._inflight.add(job_id)
        try:
            yield
        finally:
            with self._inflight_lock:
                self._inflight.discard(job_id)

    def _sending_now(self) -> frozenset[str]:
        with self._inflight_lock:
            return frozenset(self._inflight)

    def _is_sandbox(self, provider: str) -> bool:
        return self.settings.connection(provider) is Connection.SANDBOX

    def _job(self, job_id: str) -> Job:
        job = self.store.get(job_id)
        if job is None:
            raise JobNotFoundError("This job is no longer in the history.")
        return job

    def _measured(self, inputs: JobInputs, providers: Sequence[str]) -> JobInputs:
        """The inputs with the audio (and, for Kling, video) durations probed when missing."""
        measured = inputs.model_copy()
        if measured.audio_duration is None:
            info = self._probe(measured.audio_path or measured.audio_url)
            measured.audio_duration = info.audio_duration or info.duration if info else None
        if measured.video_duration is None and "kling" in providers:
            info = self._probe(measured.video_path or measured.video_url)
            measured.video_duration = info.duration if info else None
        return measured

    def _with_durations(self, job: Job) -> Job:
        if job.inputs.audio_duration is not None and job.inputs.video_duration is not None:
            return job
        return job.model_copy(update={"inputs": self._measured(job.inputs, [job.provider])})

    def _probe(self, source: str | None) -> media.MediaInfo | None:
        """Best effort: a file or link that cannot be probed only leaves the figure unknown."""
        if not source:
            return None
        hosts = [h for p in self.providers if self._is_sandbox(p) and (h := self._clients.host(p))]
        try:
            return media.probe(source, allowed_hosts=hosts)
        except MediaValidationError as exc:
            logger.info("could not probe %s: %s", source, exc)
            return None

    def _download(self, job: Job) -> int:
        folder = outputs_dir(self.settings.data_dir)
        try:
            video = download(
                job.output_url or "",
                folder / f"{job.id}{suffix_for(job.output_url or '', VIDEO_SUFFIXES, '.mp4')}",
            )
        except DownloadError as exc:
            self._update(job.id, _download_failed, exc, self.policy.download_attempts)
            return 0
        thumbnail = None
        if job.thumbnail_url:
            name = f"{job.id}{suffix_for(job.thumbnail_url, IMAGE_SUFFIXES, '.jpg')}"
            try:
                thumbnail = download(job.thumbnail_url, folder / name, max_bytes=20 * 1024 * 1024)
            except DownloadError as exc:
                logger.info("thumbnail of job %s not copied: %s", job.id, exc)
        self._update(job.id, _downloaded, video, thumbnail)
        return 1


def _price_of(job: Job) -> TwinSyncPrice | None:
    """The user's price per second behind a job's estimate in their currency, if it has one."""
    cost, seconds = job.estimated_cost, job.inputs.audio_duration
    if cost is None or cost.unit is not CostUnit.CURRENCY or cost.amount is None:
        return None
    if not cost.currency or not seconds:
        return None
    return TwinSyncPrice(cost.amount / seconds, cost.currency)


@dataclass(frozen=True)
class TwinSyncPrice:
    """The user's own TwinSync price (TwinSync publishes none): ``per_second`` of audio, in
    ``currency`` (a three-letter code)."""

    per_second: float
    currency: str


def estimate_cost(
    provider: str,
    model: str,
    audio_seconds: float | None,
    *,
    twinsync_price_per_second: float | None = None,
    currency: str | None = None,
) -> Cost | None:
    """``pricing.estimate`` for the audio's length as a job's cost; ``None`` if it has none.

    ``twinsync_price_per_second`` is the user's own TwinSync price, in ``currency``: with it,
    a TwinSync estimate is a :attr:`CostUnit.CURRENCY` amount.
    """
    if audio_seconds is None:
        return None
    try:
        estimate = pricing.estimate(
            provider, model, audio_seconds, twinsync_price_per_second=twinsync_price_per_second
        )
    except (LipsyncError, ValueError, KeyError) as exc:
        logger.info("no estimate for %s/%s: %s", provider, model, exc)
        return None
    unit = COST_UNITS[estimate.unit]
    return Cost(
        amount=estimate.amount,
        unit=unit,
        estimated=True,
        explanation=estimate.explanation,
        currency=currency if unit is CostUnit.CURRENCY else None,
    )


def intent_key(
    targets: Iterable[tuple[str, str]],
    inputs: JobInputs,
    options: JobOptions,
    title: str | None,
    salt: str,
) -> str:
    """The ``idempotency_key`` of one intended submission (``JobService.submit``/``submit_group``).

    A hash of everything the submission asks for: the same targets, inputs, options and title
    with the same ``salt`` always give the same key, so sending that form again (a double
    click, a rerun, a retry after a lost answer) returns the jobs already made instead of
    paying twice; a change to any of them, or to the salt, gives a new key and so new jobs.

    ``targets`` (provider, model) pairs are a set: their order and repeats do not change the
    key, because the service makes one job per pair and its own key per pair whatever the
    order. ``salt`` tells apart submissions that are meant to be different although the form is
    the same: two people's, or one person's deliberate "send the same again" (the pages use a
    nonce per browser session, drawn again on request).
    """
    content = {
        "targets": sorted({(provider, model) for provider, model in targets}),
        "inputs": inputs.model_dump(mode="json"),
        "options": options.model_dump(mode="json"),
        "title": title,
        "salt": salt,
    }
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return "intent-" + hashlib.sha256(blob.encode()).hexdigest()[:40]


def _job_key(key: str | None, provider: str, model: str) -> str | None:
    """Each job of a submission has its own key, derived from the submission's."""
    return f"{key}:{provider}:{model}" if key is not None else None


def _registration_done(job: Job) -> bool:
    """Whether a Prime job got past its registration (it then has a generation id)."""
    return bool(job.registered_video_id and job.provider_job_id and not uses_v2(job))


def _face(job: Job, face_id: str) -> KlingFace:
    for face in job.options.faces:
        if face.face_id == str(face_id):
            return face
    known = ", ".join(f.face_id for f in job.options.faces) or "none"
    raise FaceChoiceError(f"Kling found no face {face_id!r} in this video; its faces: {known}.")


@dataclass(frozen=True)
class _Choice:
    face_id: str
    sound_start_time: int
    sound_end_time: int
    sound_insert_time: int
    sound_volume: float
    original_audio_volume: float


def _timing(
    job: Job,
    face: KlingFace,
    start: int,
    end: int | None,
    insert: int | None,
    sound_volume: float,
    original_audio_volume: float,
) -> _Choice:
    """The choice with defaults filled: insert where the face appears, as much audio as fits."""
    insert = face.start_time if insert is None else insert
    if end is None:
        audio_ms = _ms(job.inputs.audio_duration)
        video_ms = _ms(job.inputs.video_duration) or face.end_time
        if audio_ms is None:
            raise MediaValidationError(
                "The audio's length could not be measured; give the trim end (sound_end_time)."
            )
        end = min(audio_ms, start + max(0, video_ms - insert))
    return _Choice(face.face_id, start, end, insert, sound_volume, original_audio_volume)


def _timing_arguments(job: Job, face: KlingFace, choice: _Choice) -> dict[str, Any]:
    """``validate_kling_timing``'s arguments; unmeasured lengths fall back to what is known."""
    return {
        "audio_duration_ms": _ms(job.inputs.audio_duration) or choice.sound_end_time,
        "video_duration_ms": _ms(job.inputs.video_duration) or face.end_time,
        "face_start_ms": face.start_time,
        "face_end_ms": face.end_time,
        "sound_start_time": choice.sound_start_time,
        "sound_end_time": choice.sound_end_time,
        "sound_insert_time": choice.sound_insert_time,
        "sound_volume": choice.sound_volume,
        "original_audio_volume": choice.original_audio_volume,
    }


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def _face_chosen(
    job: Job,
    choice: _Choice,
    measured: JobInputs,
    note: str | None,
    now: datetime,
    policy: PollPolicy,
) -> bool:
    if job.state is not JobState.NEEDS_INPUT:
        return False
    job.inputs.audio_duration = measured.audio_duration
    job.inputs.video_duration = measured.video_duration
    options = job.options
    options.face_id = choice.face_id
    options.sound_start_time = choice.sound_start_time
    options.sound_end_time = choice.sound_end_time
    options.sound_insert_time = choice.sound_insert_time
    options.sound_volume = choice.sound_volume
    options.original_audio_volume = choice.original_audio_volume
    expect_answer(job, now, Stage.CREATING_TASK, policy.submit_grace)
    job.note = note
    return True


def _parse_callback(
    payload: Mapping[str, Any] | LipsyncCallback | RegistrationCallback,
) -> LipsyncCallback | RegistrationCallback:
    if isinstance(payload, LipsyncCallback | RegistrationCallback):
        return payload
    model = LipsyncCallback if "video_url" in payload else RegistrationCallback
    try:
        return model.model_validate(dict(payload))
    except ValidationError:
        raise UnexpectedResponseError(
            "AusyncLab sent a callback this app does not understand.", provider="ausynclab"
        ) from None


def _callback_applied(
    job: Job, part: str, callback: LipsyncCallback | RegistrationCallback, now: datetime
) -> bool:
    if callback.credits_used is not None:
        job.reported_credits[part] = float(callback.credits_used)
    if job.is_final:
        settle_cost(job)
    elif map_provider_state("ausynclab", callback.status.value) in FINAL_STATES:
        job.next_poll_at = now
    job.updated_at = now
    return True


def _postpone(job: Job, when: datetime, note: str | None = None) -> bool:
    if job.is_final:
        return False
    job.next_poll_at = when
    job.note = note or job.note
    return True


def _downloaded(job: Job, video: Path, thumbnail: Path | None) -> bool:
    job.output_path = str(video)
    job.thumbnail_path = str(thumbnail) if thumbnail else job.thumbnail_path
    job.download_state = DownloadState.DONE
    job.download_attempts += 1
    return True


def _download_failed(job: Job, exc: DownloadError, attempts: int) -> bool:
    job.download_attempts += 1
    if job.download_attempts < attempts:
        return True
    job.download_state = DownloadState.FAILED
    job.note = f"{exc} It plays from {job.provider_name} until {job.provider_name} deletes it."
    return True


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
    "estimate_cost",
    "intent_key",
    "map_provider_state",
    "public_url_for",
]

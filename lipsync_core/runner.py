"""Runs the providers' flows against the history: create calls, status rounds, the check pool.

A :class:`FlowRunner` is what :class:`~lipsync_core.jobs.JobService` hands its work to: it builds
each flow's :class:`~lipsync_core.flows.common.FlowContext` (the calling thread's client, the
clock, safe job changes through the store), marks the jobs this process is sending so a status
round leaves them alone, and runs a round of status checks batched per provider on a bounded
pool of threads.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from lipsync_core.config import Connection, Settings
from lipsync_core.errors import LipsyncError
from lipsync_core.flows.ausynclab import AusyncLabFlow
from lipsync_core.flows.clients import ClientPool
from lipsync_core.flows.common import FlowContext, PollPolicy, create_error, resending
from lipsync_core.flows.kling import KlingFlow
from lipsync_core.flows.model import Job
from lipsync_core.flows.twinsync import TwinSyncFlow
from lipsync_core.i18n import _, kept_in_english
from lipsync_core.store import JobStore

logger = logging.getLogger(__name__)

FLOWS = {"ausynclab": AusyncLabFlow(), "kling": KlingFlow(), "twinsync": TwinSyncFlow()}
# Providers whose refresh reads one list for all their jobs, so every active job goes along.
BATCHED = frozenset({"ausynclab"})


class FlowRunner:
    """One per job service; thread-safe. ``callback_url`` is sent to AusyncLab when set."""

    def __init__(
        self,
        store: JobStore,
        clients: ClientPool,
        settings: Settings,
        policy: PollPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings
        self.policy = policy
        self.clock = clock
        self.callback_url: str | None = None
        self.owner = process_owner()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- changing jobs --------------------------------------------------------------------------

    @kept_in_english
    def update(self, job_id: str, change: Callable[..., bool | None], *args: Any) -> Job | None:
        """Re-read, change and save a job, again if another writer got there first.

        Returns the saved job, the job as it is if ``change`` declined (returned ``False``), or
        ``None`` if the job is gone.
        """
        saved, _ = self.store.change(job_id, change, *args)
        return saved

    @kept_in_english
    def claim(self, job_id: str, change: Callable[..., bool | None], *args: Any) -> Job | None:
        """Like :meth:`update`, but ``None`` unless *this* call made and saved the change.

        Used before a create call: of two threads or processes moving the same job to an intent
        stage, exactly one gets the job back and makes the call.
        """
        saved, changed = self.store.change(job_id, change, *args)
        return saved if changed else None

    # -- create calls ---------------------------------------------------------------------------

    @kept_in_english
    def start(self, job: Job) -> None:
        """Make a recorded job's first provider call (its intent is already saved)."""
        with self.sending(job.id):
            try:
                FLOWS[job.provider].start(job, self.context(job.provider))
            except LipsyncError as exc:
                self.update(job.id, create_error, exc, self.clock(), self.policy)

    @kept_in_english
    def create_kling_task(self, job: Job) -> None:
        """Create the Kling task of a job whose face choice is saved as its intent."""
        with self.sending(job.id):
            try:
                FLOWS["kling"].create_task(job, self.context("kling"))
            except LipsyncError as exc:
                self.update(job.id, create_error, exc, self.clock(), self.policy)

    @kept_in_english
    def send_again(self, job: Job, now: datetime | None = None) -> None:
        """Send again a create call the provider refused as "too many requests" (not taken);
        of several processes, only the one that claims the job sends it."""
        if not self._reachable(job):
            return
        context = self.context(job.provider, now)
        saved = self.claim(job.id, resending, context.now(), self.policy)
        if saved is None:
            return
        with self.sending(saved.id):
            try:
                FLOWS[saved.provider].send_again(saved, context)
            except LipsyncError as exc:
                self.update(saved.id, create_error, exc, context.now(), self.policy)

    @contextmanager
    def sending(self, job_id: str) -> Iterator[None]:
        """Hold the job's lease while this process calls its provider, so no status round of
        any process takes the job meanwhile (the lease runs out if this process dies)."""
        held = self.store.lease(job_id, self.owner, self.clock(), self.policy.submit_grace)
        try:
            yield
        finally:
            if held:
                self.store.release([job_id], self.owner)

    # -- status rounds --------------------------------------------------------------------------

    @kept_in_english
    def refresh_due(self, now: datetime | None = None) -> tuple[int, set[str]]:
        """Check every job that is due, batched per provider.

        Returns how many were due and the ids of every job the round looked at. AusyncLab: one
        ``list_generated_videos()`` (and one ``list_registered_videos()`` while a job registers)
        for all its jobs; Kling and TwinSync: one status call per due job.
        """
        moment = now or self.clock()
        due = self.store.claim_due(moment, self.owner, lease=self.policy.lease_seconds)
        try:
            by_provider: dict[str, list[Job]] = {}
            for job in due:
                if job.send_again:
                    self.send_again(job, now)
                else:
                    by_provider.setdefault(job.provider, []).append(job)
            watched = {job.id for job in due}
            for provider, jobs in by_provider.items():
                watched |= self._refresh_provider(provider, jobs, now)
        finally:
            self.store.release([job.id for job in due], self.owner)
        return len(due), watched

    def _refresh_provider(self, provider: str, due: list[Job], now: datetime | None) -> set[str]:
        """Refresh one provider's due jobs; returns the ids of every job the refresh looked at."""
        usable = [job for job in due if self._reachable(job)]
        if not usable:
            return set()
        free_for = (self.owner, now or self.clock())
        active = self.store.active(provider, free_for=free_for) if provider in BATCHED else []
        try:
            FLOWS[provider].refresh(usable, active, self.context(provider, now))
        except Exception:
            # A bug must not stop the other providers' jobs, nor make this one retry every tick.
            logger.exception("refreshing %s jobs failed", provider)
            later = (now or self.clock()) + timedelta(seconds=self.policy.overdue_interval)
            for job in usable:
                self.update(job.id, postpone, later)
        return {job.id for job in active}

    def _reachable(self, job: Job) -> bool:
        """A job made on the sandbox cannot be checked at the live provider, nor the reverse.

        Such a job is not failed (the setting may come back): it waits, saying why.
        """
        client_missing = self.clients.get(job.provider) is None
        if not client_missing and job.sandbox == self.is_sandbox(job.provider):
            return True
        if job.sandbox:
            words = _(
                "This job was sent to the sandbox, which this app is not set to use for {name} "
                "now, so it cannot be checked until that setting is back."
            )
        else:
            words = _(
                "This job was sent to the live {name} service, which this app is not set to use "
                "for {name} now, so it cannot be checked until that setting is back."
            )
        note = words.format(name=job.provider_name)
        later = self.clock() + timedelta(seconds=self.policy.error_backoff_max)
        self.update(job.id, postpone, later, note)
        return False

    def is_sandbox(self, provider: str) -> bool:
        return self.settings.connection(provider) is Connection.SANDBOX

    def context(self, provider: str, now: datetime | None = None) -> FlowContext:
        return FlowContext(
            clients=lambda: self.clients.get(provider),
            settings=self.settings,
            policy=self.policy,
            clock=(lambda: now) if now is not None else self.clock,
            update=self.update,
            claim=self.claim,
            for_each=self.for_each,
            callback_url=self.callback_url,
        )

    def for_each(self, work: Callable[[Job], None], jobs: Sequence[Job]) -> None:
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
        """Stop the status-check threads (end of process or test)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def process_owner() -> str:
    """This process's name on the leases it takes: host, process id and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def postpone(job: Job, when: datetime, note: str | None = None) -> bool:
    """Check an unfinished job again at ``when`` (with ``note`` on its card, if given)."""
    if job.is_final:
        return False
    job.next_poll_at = when
    job.note = note or job.note
    return True

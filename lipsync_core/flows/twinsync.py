"""TwinSync's steps: submit, then one ``get_status`` per due job.

TwinSync takes no name or external id, so a submission interrupted before its task id was saved
cannot be looked up: the job fails with words that say so, instead of being sent a second time.
TwinSync publishes no prices: ``cost_used`` is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

from lipsync_core.errors import ProviderError, UnexpectedResponseError
from lipsync_core.flows.common import (
    FlowContext,
    began,
    check_failed,
    failed,
    observed,
    poll_error,
    provider_failure,
)
from lipsync_core.flows.model import Cost, CostUnit, Job, Stage, map_provider_state
from lipsync_core.flows.sources import media_url
from lipsync_core.i18n import N_, _
from lipsync_core.providers.twinsync import TwinSyncTask

PROVIDER = "twinsync"
UNKNOWN_COST = Cost(unit=CostUnit.UNKNOWN, explanation=N_("TwinSync does not publish its prices"))


class TwinSyncFlow:
    provider = PROVIDER

    def start(self, job: Job, ctx: FlowContext) -> None:
        urls = {
            kind: media_url(
                job.inputs, kind, provider=PROVIDER, sandbox=job.sandbox, settings=ctx.settings
            )
            for kind in ("audio", "video")
        }
        task_id = ctx.client.submit(urls["audio"], urls["video"])
        ctx.update(job.id, _submitted, task_id, ctx)

    def send_again(self, job: Job, ctx: FlowContext) -> None:
        """Send a submission that TwinSync refused as "too many requests" (it was not taken)."""
        self.start(job, ctx)

    def refresh(self, due: Sequence[Job], active: Sequence[Job], ctx: FlowContext) -> None:
        """One ``get_status`` per due job (TwinSync has no list endpoint)."""
        ctx.for_each(lambda job: self._refresh_one(job, ctx), due)

    def _refresh_one(self, job: Job, ctx: FlowContext) -> None:
        if job.is_intent:
            ctx.update(job.id, _unconfirmed, ctx)
        elif job.provider_job_id:
            self._poll(job, ctx)

    def _poll(self, job: Job, ctx: FlowContext) -> None:
        try:
            task = ctx.client.get_status(job.provider_job_id)
        except ProviderError as exc:
            ctx.update(job.id, poll_error, exc, ctx.now(), ctx.policy)
            return
        ctx.update(job.id, _apply_status, task, ctx)


def _submitted(job: Job, task_id: str, ctx: FlowContext) -> bool:
    """Applied even to a job given up meanwhile: the task exists, so it is followed."""
    if job.provider_job_id is not None:
        return False
    began(job, ctx.now(), ctx.policy, stage=Stage.GENERATING, provider_job_id=task_id)
    job.cost_used = UNKNOWN_COST
    return True


def _apply_status(job: Job, task: TwinSyncTask, ctx: FlowContext) -> bool:
    if job.stage is not Stage.GENERATING:
        return False
    try:
        state = map_provider_state(PROVIDER, task.state.value)
    except UnexpectedResponseError as exc:
        check_failed(job, exc, ctx.now(), ctx.policy)
        return True
    observed(
        job,
        state,
        task.state.value,
        ctx.now(),
        ctx.policy,
        output_url=task.result_url,
        message=provider_failure(job, task.message),
    )
    return True


def _unconfirmed(job: Job, ctx: FlowContext) -> bool:
    if not job.is_intent:
        return False
    failed(
        job,
        _(
            "The app could not confirm whether TwinSync received this job: the sending was "
            "interrupted before TwinSync's answer was saved, and TwinSync offers no way to look "
            "it up. Check your TwinSync account before submitting again, so you do not pay twice."
        ),
        ctx.now(),
    )
    job.cost_used = UNKNOWN_COST
    return True

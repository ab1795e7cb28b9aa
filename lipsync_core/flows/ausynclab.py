"""AusyncLab's steps: Prime registers the video, waits for COMPLETED, then generates; Nova (and
Prime when asked for v2) generates straight from the two URLs.

Prime through ``/register-video`` + ``/generate-lipsync`` is the default because it is the flow
AusyncLab documents for Prime (Quick Start — Model Prime); ``JobOptions.use_v2`` opts into
``/generate-lipsync-v2`` for Prime, which also honours ``sync_mode``.

Refreshing is batched: one ``list_generated_videos()`` call refreshes every AusyncLab job, plus
one ``list_registered_videos()`` only while some job is registering. Every ``name`` sent ends
with the job's tag (``· <id[:12]>``), so a job whose create call was interrupted is found in
those lists instead of being sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from lipsync_core.errors import (
    InvalidRequestError,
    LipsyncError,
    NotFoundError,
    ProviderError,
    UnexpectedResponseError,
)
from lipsync_core.flows.common import (
    FlowContext,
    batch_base,
    began,
    check_failed,
    create_error,
    expect_answer,
    failed,
    intent_not_found,
    name_tag,
    observed,
    poll_error,
    tagged_name,
)
from lipsync_core.flows.model import (
    Cost,
    CostUnit,
    Job,
    JobInputs,
    JobOptions,
    JobState,
    Stage,
    map_provider_state,
)
from lipsync_core.flows.sources import media_url
from lipsync_core.i18n import _
from lipsync_core.providers.ausynclab import (
    AusyncLabState,
    GeneratedVideo,
    RegisteredVideo,
)
from lipsync_core.providers.common import SkippedItem

logger = logging.getLogger(__name__)
PROVIDER = "ausynclab"
Item = TypeVar("Item", RegisteredVideo, GeneratedVideo)


def uses_v2(job: Job) -> bool:
    return job.model == "nova" or job.options.use_v2


def registers(job: Job) -> bool:
    """Whether the job registers its own video (Prime, no registration given, not v2)."""
    return not uses_v2(job) and job.inputs.registered_video_id is None


def registers_video(provider: str, model: str, inputs: JobInputs, options: JobOptions) -> bool:
    """Whether a job to be sent would register its video (see :func:`registers`)."""
    return (
        provider == PROVIDER
        and model == "prime"
        and not options.use_v2
        and inputs.registered_video_id is None
        and bool(inputs.video_url or inputs.video_path)
    )


class AusyncLabFlow:
    provider = PROVIDER

    def start(self, job: Job, ctx: FlowContext) -> None:
        """Make the first create call of a recorded intent (stage ``submitting``)."""
        if uses_v2(job):
            self._generate_v2(job, ctx)
        elif job.inputs.registered_video_id is not None:
            self._use_registration(job, job.inputs.registered_video_id, ctx)
        else:
            self._register(job, ctx)

    def send_again(self, job: Job, ctx: FlowContext) -> None:
        """Send a create call that AusyncLab refused as "too many requests" (it was not taken)."""
        if job.stage is Stage.STARTING_GENERATION:
            self._send_generation(job, ctx)
        else:
            self.start(job, ctx)

    def refresh(self, due: Sequence[Job], active: Sequence[Job], ctx: FlowContext) -> None:
        due_ids = {job.id for job in due}
        intents = [job for job in due if job.is_intent]
        registering = [job for job in active if job.stage is Stage.REGISTERING]
        generating = [
            job for job in active if job.stage is Stage.GENERATING and job.provider_job_id
        ]
        looking_for_registration = [
            job for job in intents if job.stage is Stage.SUBMITTING and registers(job)
        ]
        looking_for_generation = [
            job for job in intents if job.stage is not Stage.SUBMITTING or uses_v2(job)
        ]
        for job in intents:
            if job.stage is Stage.SUBMITTING and not registers(job) and not uses_v2(job):
                self._restart(job, ctx)
        if registering or looking_for_registration:
            waiting = [*registering, *looking_for_registration]
            registered = self._fetch(ctx.client.list_registered_videos, waiting, due_ids, ctx)
            self._refresh_registrations(registering, registered, due_ids, ctx)
            self._recover(looking_for_registration, registered, Stage.REGISTERING, ctx)
        if generating or looking_for_generation:
            waiting = [*generating, *looking_for_generation]
            generated = self._fetch(ctx.client.list_generated_videos, waiting, due_ids, ctx)
            self._refresh_generations(generating, generated, due_ids, ctx)
            self._recover(looking_for_generation, generated, Stage.GENERATING, ctx)

    # -- create calls -------------------------------------------------------------------------

    def _generate_v2(self, job: Job, ctx: FlowContext) -> None:
        ticket = ctx.client.generate_lipsync_v2(
            _url(job, "video", ctx),
            _url(job, "audio", ctx),
            model=job.model,
            sync_mode=job.options.sync_mode,
            name=tagged_name(job),
            callback_url=ctx.callback_for(job),
        )
        now = ctx.now()
        ctx.update(
            job.id,
            lambda j: began(
                j, now, ctx.policy, stage=Stage.GENERATING, provider_job_id=str(ticket.video_id)
            ),
        )

    def _register(self, job: Job, ctx: FlowContext) -> None:
        video_id = ctx.client.register_video(
            _url(job, "video", ctx), name=tagged_name(job), callback_url=ctx.callback_for(job)
        )
        now = ctx.now()

        def registered(j: Job) -> None:
            j.registered_video_id = video_id
            began(j, now, ctx.policy, stage=Stage.REGISTERING)

        ctx.update(job.id, registered)

    def _use_registration(self, job: Job, video_id: int, ctx: FlowContext) -> None:
        try:
            registration = ctx.client.get_registered_video(video_id)
        except NotFoundError:
            if job.options.registration_reused:
                self._register_instead(job, ctx)
                return
            words = _("AusyncLab has no registered video {video_id}; choose another one.")
            raise InvalidRequestError(words.format(video_id=video_id), provider=PROVIDER) from None
        if registration.state is AusyncLabState.FAILED and job.options.registration_reused:
            self._register_instead(job, ctx)
            return
        if registration.state is AusyncLabState.FAILED:
            words = _(
                "The registered video {video_id} failed to register at AusyncLab; "
                "choose another one."
            )
            raise InvalidRequestError(words.format(video_id=video_id), provider=PROVIDER)
        now = ctx.now()

        def chosen(j: Job) -> None:
            j.registered_video_id = video_id
            began(j, now, ctx.policy, stage=Stage.REGISTERING)
            j.provider_state = registration.state.value

        saved = ctx.update(job.id, chosen)
        if saved is not None and registration.state is AusyncLabState.COMPLETED:
            self._generate(saved, ctx)

    def _register_instead(self, job: Job, ctx: FlowContext) -> None:
        """The registration an earlier job made is gone: register this job's video after all."""

        def forget(j: Job) -> None:
            j.inputs.registered_video_id = None
            j.options.registration_reused = False

        saved = ctx.update(job.id, forget)
        if saved is not None:
            self._register(saved, ctx)

    def _generate(self, job: Job, ctx: FlowContext) -> None:
        """Prime's second step, from a COMPLETED registration; the intent is saved first."""
        now = ctx.now()

        def intent(j: Job) -> bool:
            if j.stage is not Stage.REGISTERING:
                return False
            expect_answer(j, now, Stage.STARTING_GENERATION, ctx.policy.submit_grace)
            return True

        saved = ctx.claim(job.id, intent)
        if saved is not None:
            self._send_generation(saved, ctx)

    def _send_generation(self, saved: Job, ctx: FlowContext) -> None:
        """The generate call of a job whose intent (``starting generation``) is saved."""
        try:
            video_id = ctx.client.generate_lipsync(
                saved.registered_video_id,
                _url(saved, "audio", ctx),
                name=tagged_name(saved),
                callback_url=ctx.callback_for(saved),
            )
        except LipsyncError as exc:
            ctx.update(saved.id, create_error, exc, ctx.now(), ctx.policy)
            return
        ctx.update(
            saved.id,
            lambda j: began(
                j, ctx.now(), ctx.policy, stage=Stage.GENERATING, provider_job_id=str(video_id)
            ),
        )

    def _restart(self, job: Job, ctx: FlowContext) -> None:
        """A job with a chosen registration sends nothing in ``submitting``: start it again."""
        try:
            self.start(job, ctx)
        except LipsyncError as exc:
            ctx.update(job.id, create_error, exc, ctx.now(), ctx.policy)

    # -- status ---------------------------------------------------------------------------------

    def _fetch(
        self,
        list_call: Callable[[], list[Item]],
        waiting: Sequence[Job],
        due_ids: set[str],
        ctx: FlowContext,
    ) -> Listing[Item]:
        """One list call; if it fails, the due jobs that needed it are checked again later."""
        try:
            listed = list_call()
            return Listing({item.id: item for item in listed}, skipped=_skipped(listed))
        except UnexpectedResponseError as exc:
            # One entry in a state we do not know spoils the whole list: fall back to asking
            # for each due job alone, so only the job with that state stops.
            logger.warning("AusyncLab list unreadable, checking jobs one by one: %s", exc)
            return Listing(None)
        except ProviderError as exc:
            now = ctx.now()
            for job in waiting:
                if job.id in due_ids:
                    ctx.update(job.id, check_failed, exc, now, ctx.policy)
            return Listing(None, usable=False)

    def _refresh_registrations(
        self,
        jobs: Sequence[Job],
        listing: Listing[RegisteredVideo],
        due_ids: set[str],
        ctx: FlowContext,
    ) -> None:
        base = batch_base([job for job in jobs if job.id in due_ids], ctx.now(), ctx.policy)
        for job in jobs:
            item = listing.find(job.registered_video_id)
            if item is None and listing.usable and job.id in due_ids:
                item = self._one(job, ctx.client.get_registered_video, job.registered_video_id, ctx)
            if item is not None:
                self._apply_registration(job, item, base, ctx)

    def _apply_registration(
        self, job: Job, item: RegisteredVideo, base: datetime, ctx: FlowContext
    ) -> None:
        if item.state is AusyncLabState.COMPLETED:
            self._generate(job, ctx)
            return
        now = ctx.now()

        def apply(j: Job) -> bool:
            if j.stage is not Stage.REGISTERING:
                return False
            if item.state is AusyncLabState.FAILED:
                j.provider_state = item.state.value
                words = _(
                    "AusyncLab could not register the video (registered video {video_id}), "
                    "so no lip-sync was made."
                )
                failed(j, words.format(video_id=item.id), now)
            else:
                try:
                    state = map_provider_state(PROVIDER, item.state.value)
                except UnexpectedResponseError as exc:
                    check_failed(j, exc, now, ctx.policy)
                    return True
                observed(j, state, item.state.value, now, ctx.policy, base=base)
            return True

        ctx.update(job.id, apply)

    def _refresh_generations(
        self,
        jobs: Sequence[Job],
        listing: Listing[GeneratedVideo],
        due_ids: set[str],
        ctx: FlowContext,
    ) -> None:
        """Every listed job is updated (the list costs nothing more per job), due or not."""
        base = batch_base([job for job in jobs if job.id in due_ids], ctx.now(), ctx.policy)
        for job in jobs:
            video_id = int(job.provider_job_id or -1)
            item = listing.find(video_id)
            if item is None and listing.usable and job.id in due_ids:
                item = self._one(job, ctx.client.get_generated_video, video_id, ctx)
            if item is not None:
                ctx.update(job.id, _apply_generation, item, base, ctx)

    def _one(
        self, job: Job, get: Callable[[int], Item], video_id: int | None, ctx: FlowContext
    ) -> Item | None:
        """Ask for one video; a failure is applied to the job and ``None`` returned."""
        try:
            return get(int(video_id if video_id is not None else -1))
        except ProviderError as exc:
            ctx.update(job.id, poll_error, exc, ctx.now(), ctx.policy)
            return None

    def _recover(
        self,
        jobs: Sequence[Job],
        listing: Listing[RegisteredVideo] | Listing[GeneratedVideo],
        stage: Stage,
        ctx: FlowContext,
    ) -> None:
        """Find interrupted submissions in the provider's list by the tag in their name."""
        if listing.items is None:
            if listing.usable:
                for job in jobs:
                    ctx.update(job.id, lambda j: _unreadable_list(j, ctx))
            return
        for job in jobs:
            tag = name_tag(job)
            found = sorted(
                (item for item in listing.items.values() if (item.name or "").endswith(tag)),
                key=lambda item: item.id,
            )
            if len(found) > 1:
                logger.warning("job %s matches %d AusyncLab videos", job.id, len(found))
            if found:
                ctx.update(job.id, lambda j, item=found[0]: _recovered(j, item, stage, ctx))
            elif listing.may_hide(tag):
                # The video may be the entry AusyncLab's list held but this app could not read:
                # "not found" would be a guess, so the job waits as if the list were unreadable.
                ctx.update(job.id, lambda j: _unreadable_list(j, ctx))
            else:
                ctx.update(job.id, intent_not_found, ctx.now(), ctx.policy)


@dataclass
class Listing(Generic[Item]):
    """A list call's answer by id; ``items`` is ``None`` when it could not be used.

    ``usable`` is ``False`` when the call itself failed (the due jobs were already rescheduled);
    with ``items`` ``None`` but ``usable``, the list was unreadable and each due job is asked
    for alone.
    """

    items: dict[int, Item] | None
    usable: bool = True
    skipped: list[SkippedItem] = field(default_factory=list)

    def may_hide(self, tag: str) -> bool:
        """Whether an unreadable entry could be the video named with ``tag``."""
        return any(item.name is None or item.name.endswith(tag) for item in self.skipped)

    def find(self, video_id: int | None) -> Item | None:
        if self.items is None or video_id is None:
            return None
        return self.items.get(video_id)


def _unreadable_list(job: Job, ctx: FlowContext) -> bool:
    """The list that would show an interrupted submission cannot be read: ask again later."""
    if not job.is_intent:
        return False
    exc = UnexpectedResponseError(
        _("AusyncLab's list of videos could not be read."), provider=PROVIDER
    )
    check_failed(job, exc, ctx.now(), ctx.policy)
    return True


def _skipped(listed: list[Item]) -> list[SkippedItem]:
    """The entries a list call could not read (``ReadList.skipped``)."""
    return list(getattr(listed, "skipped", []))


def _recovered(
    job: Job, item: RegisteredVideo | GeneratedVideo, stage: Stage, ctx: FlowContext
) -> bool:
    if not job.is_intent:
        return False
    now = ctx.now()
    if stage is Stage.REGISTERING:
        job.registered_video_id = item.id
        began(job, now, ctx.policy, stage=Stage.REGISTERING)
    else:
        began(job, now, ctx.policy, stage=Stage.GENERATING, provider_job_id=str(item.id))
    job.provider_state = item.state.value
    job.next_poll_at = now
    return True


def _apply_generation(job: Job, item: GeneratedVideo, base: datetime, ctx: FlowContext) -> bool:
    if job.stage is not Stage.GENERATING or job.provider_job_id != str(item.id):
        return False
    now = ctx.now()
    try:
        state = map_provider_state(PROVIDER, item.state.value)
        if state is JobState.SUCCEEDED and not item.output_video_url:
            raise UnexpectedResponseError(
                _("AusyncLab reported the video COMPLETED without its address."),
                provider=PROVIDER,
            )
    except UnexpectedResponseError as exc:
        check_failed(job, exc, now, ctx.policy)
        return True
    observed(
        job,
        state,
        item.state.value,
        now,
        ctx.policy,
        output_url=item.output_video_url,
        thumbnail_url=item.thumbnail_url,
        base=base,
    )
    if job.is_final:
        settle_cost(job)
    return True


def settle_cost(job: Job) -> None:
    """Credits reported by AusyncLab's callbacks, else the estimate, marked as estimated."""
    reported = sum(job.reported_credits.values())
    if "generation" in job.reported_credits:
        job.cost_used = Cost(
            amount=reported, unit=CostUnit.CREDITS, explanation=_("reported by AusyncLab")
        )
        return
    if job.state is JobState.SUCCEEDED and job.estimated_cost and job.estimated_cost.amount:
        job.cost_used = Cost(
            amount=job.estimated_cost.amount + reported,
            unit=CostUnit.CREDITS,
            estimated=True,
            explanation=_("estimated: AusyncLab did not report the credits used"),
        )
        return
    job.cost_used = Cost(
        amount=reported or None,
        unit=CostUnit.CREDITS,
        estimated=True,
        explanation=_("AusyncLab did not report the credits used"),
    )


def _url(job: Job, kind: str, ctx: FlowContext) -> str:
    return media_url(
        job.inputs, kind, provider=PROVIDER, sandbox=job.sandbox, settings=ctx.settings
    )  # type: ignore[arg-type]

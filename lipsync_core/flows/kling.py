"""Kling's steps: identify the faces at submit, wait for the user's choice (``needs_input``), then
create the task with ``external_task_id = job.id`` and poll it.

The external id makes the create call recoverable: a job interrupted after asking Kling to create
the task asks Kling for the task by that id instead of sending it again. Costs are counted from
the calls actually made: 0.007 PTC per face identification, 0.07 PTC per task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lipsync_core.errors import (
    LipsyncError,
    MediaValidationError,
    NotFoundError,
    ProviderError,
    UnexpectedResponseError,
)
from lipsync_core.flows.common import (
    FlowContext,
    PollPolicy,
    add_cost,
    began,
    check_failed,
    create_error,
    expect_answer,
    failed,
    intent_not_found,
    not_taken,
    observed,
    poll_error,
    provider_failure,
)
from lipsync_core.flows.model import (
    CostUnit,
    Job,
    JobInputs,
    JobState,
    KlingFace,
    Stage,
    map_provider_state,
)
from lipsync_core.flows.sources import kling_sound_file, media_url
from lipsync_core.i18n import _
from lipsync_core.providers.kling import FaceChoice, FaceIdentification, LipSyncTask

PROVIDER = "kling"
IDENTIFY_FACE_PTC = 0.007
LIP_SYNC_PTC = 0.07


class KlingFlow:
    provider = PROVIDER

    def start(self, job: Job, ctx: FlowContext) -> None:
        """Identify the faces; the job then waits for the user's choice.

        Face identification creates no job at Kling, so its failures need no recovery: the job
        fails with Kling's words, and one interrupted by a crash simply identifies again.
        """
        try:
            video_url = media_url(
                job.inputs, "video", provider=PROVIDER, sandbox=job.sandbox, settings=ctx.settings
            )
            identification = ctx.client.identify_face(video_url)
        except LipsyncError as exc:
            ctx.update(job.id, _identify_failed, exc, ctx)
            return
        ctx.update(job.id, _faces_found, identification, ctx)

    def create_task(self, job: Job, ctx: FlowContext) -> None:
        """Create the task for the chosen face; ``job`` is the saved intent (``creating task``)."""
        options = job.options
        choice = FaceChoice(
            face_id=options.face_id or "",
            sound_file=kling_sound_file(job.inputs),
            sound_start_time=options.sound_start_time or 0,
            sound_end_time=options.sound_end_time or 0,
            sound_insert_time=options.sound_insert_time or 0,
            sound_volume=options.sound_volume,
            original_audio_volume=options.original_audio_volume,
        )
        task = ctx.client.create_lip_sync(
            options.session_id or "", [choice], external_task_id=job.id
        )
        ctx.update(job.id, _task_created, task, ctx)

    def send_again(self, job: Job, ctx: FlowContext) -> None:
        """Send a create call that Kling refused as "too many requests" (it was not taken)."""
        if job.stage is Stage.CREATING_TASK:
            self.create_task(job, ctx)
        else:
            self.start(job, ctx)

    def refresh(self, due: Sequence[Job], active: Sequence[Job], ctx: FlowContext) -> None:
        """One ``get_lip_sync`` per due job (Kling has no list endpoint)."""
        ctx.for_each(lambda job: self._refresh_one(job, ctx), due)

    def _refresh_one(self, job: Job, ctx: FlowContext) -> None:
        if job.state is JobState.NEEDS_INPUT:
            ctx.update(job.id, _session_expired, ctx)
        elif job.stage is Stage.SUBMITTING:
            self.start(job, ctx)
        elif job.stage is Stage.CREATING_TASK:
            self._recover_task(job, ctx)
        elif job.provider_job_id:
            self._poll(job, ctx)

    def _poll(self, job: Job, ctx: FlowContext) -> None:
        try:
            task = ctx.client.get_lip_sync(job.provider_job_id)
        except ProviderError as exc:
            ctx.update(job.id, poll_error, exc, ctx.now(), ctx.policy)
            return
        ctx.update(job.id, _apply_task, task, ctx)

    def _recover_task(self, job: Job, ctx: FlowContext) -> None:
        """Ask Kling for the task by our external id: found, it is followed; absent, never sent."""
        try:
            task = ctx.client.get_lip_sync(job.id)
        except NotFoundError:
            ctx.update(job.id, intent_not_found, ctx.now(), ctx.policy)
            return
        except ProviderError as exc:
            ctx.update(job.id, _ask_again_later, exc, ctx)
            return
        ctx.update(job.id, _task_created, task, ctx)


def _faces_found(job: Job, identification: FaceIdentification, ctx: FlowContext) -> bool:
    if job.stage is not Stage.SUBMITTING or job.is_final:
        return False
    now = ctx.now()
    add_cost(job, IDENTIFY_FACE_PTC, CostUnit.PTC, "face identification")
    job.options.session_id = identification.session_id
    job.options.faces = [
        KlingFace(
            face_id=face.face_id,
            face_image=face.face_image,
            start_time=face.start_time,
            end_time=face.end_time,
        )
        for face in identification.faces
    ]
    if not job.options.faces:
        failed(job, _("Kling found no face it can lip-sync in this video."), now)
        return True
    job.state = JobState.NEEDS_INPUT
    job.stage = Stage.WAITING_FOR_FACE
    job.note = None
    job.updated_at = now
    job.next_poll_at = now + timedelta(seconds=ctx.policy.face_session_ttl)
    return True


def _identify_failed(job: Job, exc: LipsyncError, ctx: FlowContext) -> bool:
    """Face identification creates nothing to look up: "too many requests" is sent again (it
    was not taken), any other failure ends the job in Kling's words."""
    if job.stage is not Stage.SUBMITTING or job.is_final:
        return False
    if not_taken(exc):
        create_error(job, exc, ctx.now(), ctx.policy)
    else:
        failed(job, str(exc), ctx.now())
    return True


def _task_created(job: Job, task: LipSyncTask, ctx: FlowContext) -> bool:
    """Kling's answer to the create call is applied even to a job given up meanwhile (a
    recovery that found nothing yet): the task exists, and a paid task is never lost."""
    if job.provider_job_id is not None:
        return False
    now = ctx.now()
    add_cost(job, LIP_SYNC_PTC, CostUnit.PTC, "lip-sync task")
    face = next((f for f in job.options.faces if f.face_id == job.options.face_id), None)
    if face is not None and face.face_image:
        job.thumbnail_url = face.face_image
    began(job, now, ctx.policy, stage=Stage.GENERATING, provider_job_id=task.task_id)
    _apply_task(job, task, ctx)
    return True


def _apply_task(job: Job, task: LipSyncTask, ctx: FlowContext) -> bool:
    if job.stage is not Stage.GENERATING or job.provider_job_id != task.task_id:
        return False
    output = task.videos[0].url if task.videos else None
    try:
        state = map_provider_state(PROVIDER, task.status.value)
        if state is JobState.SUCCEEDED and not output:
            words = _("Kling reported the task succeeded but sent no video (task {task_id}).")
            raise UnexpectedResponseError(words.format(task_id=task.task_id), provider=PROVIDER)
    except UnexpectedResponseError as exc:
        check_failed(job, exc, ctx.now(), ctx.policy)
        return True
    observed(
        job,
        state,
        task.status.value,
        ctx.now(),
        ctx.policy,
        output_url=output,
        message=provider_failure(job, task.status_message),
    )
    return True


def _session_expired(job: Job, ctx: FlowContext) -> bool:
    if job.state is not JobState.NEEDS_INPUT:
        return False
    # Kept with the job: one message for every count (see ``common.create_error``).
    words = _(
        "No face was chosen within {hours} hours, and Kling forgets the faces it found after "
        "that. Use Submit again to find them again."
    )
    failed(job, words.format(hours=round(ctx.policy.face_session_ttl / 3600)), ctx.now())
    return True


def _ask_again_later(job: Job, exc: ProviderError, ctx: FlowContext) -> bool:
    """Kling could not be asked whether it has the task: keep the intent and ask again later."""
    if not job.is_intent:
        return False
    check_failed(job, exc, ctx.now(), ctx.policy)
    return True


class FaceChoiceError(LipsyncError):
    """A Kling face choice cannot be used: wrong face, or the job is not waiting for one."""


def find_face(job: Job, face_id: str) -> KlingFace:
    for face in job.options.faces:
        if face.face_id == str(face_id):
            return face
    known = ", ".join(f.face_id for f in job.options.faces)
    if known:
        words = _("Kling found no face {face_id} in this video; its faces: {known}.")
    else:
        words = _("Kling found no face {face_id} in this video; its faces: none.")
    raise FaceChoiceError(words.format(face_id=repr(face_id), known=known))


@dataclass(frozen=True)
class FaceTiming:
    """A face choice with every time (ms) and volume Kling's create call needs."""

    face_id: str
    sound_start_time: int
    sound_end_time: int
    sound_insert_time: int
    sound_volume: float
    original_audio_volume: float


def timing_with_defaults(
    job: Job,
    face: KlingFace,
    start: int,
    end: int | None,
    insert: int | None,
    sound_volume: float,
    original_audio_volume: float,
) -> FaceTiming:
    """The choice with defaults filled: insert where the face appears, as much audio as fits."""
    insert = face.start_time if insert is None else insert
    if end is None:
        audio_ms = _ms(job.inputs.audio_duration)
        video_ms = _ms(job.inputs.video_duration) or face.end_time
        if audio_ms is None:
            raise MediaValidationError(
                _("The audio's length could not be measured; give the trim end (sound_end_time).")
            )
        end = min(audio_ms, start + max(0, video_ms - insert))
    return FaceTiming(face.face_id, start, end, insert, sound_volume, original_audio_volume)


def timing_arguments(job: Job, face: KlingFace, choice: FaceTiming) -> dict[str, Any]:
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


def face_chosen(
    job: Job,
    choice: FaceTiming,
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

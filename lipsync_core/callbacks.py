"""AusyncLab's callbacks as the receiver hands them over: checked, then applied as a hint.

AusyncLab POSTs a registration or a lipsync body to a job's own callback address (its secret is
checked by the receiver, see :mod:`lipsync_core.callback_secret`). The body is the one place
AusyncLab reports the credits a job used. The rules, decided here (the document gives only the
bodies):

* **Values in range, or nothing.** ``video_id`` is a whole number from 1 to 2**63-1, ``status``
  one of AusyncLab's four states, ``credits_used`` absent, null or a finite number from 0 to
  :data:`MAX_CALLBACK_CREDITS`, ``message`` and ``video_url`` texts (never kept; the receiver's
  body limit bounds them). Anything else is refused (:class:`CallbackRefused`) and changes
  nothing.
* **About this job.** A lipsync body's ``video_id`` must be the job's generation, a registration
  body's its registered video; another video is refused.
* **A hint, never a state.** The job's state changes only when it is re-read from AusyncLab: a
  job being registered or generated is made due for that check now. A job whose create call is
  still unanswered is left alone (its recovery must not start early).
* **Credits: the first report of each part, from a final status.** The credits a body reports
  are kept only when its status is COMPLETED or FAILED, and only if that part of the job
  (registration, generation) has no report yet. A report once kept is never replaced, so a
  finished job's settled cost ("reported by AusyncLab") cannot be rewritten by a later callback.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lipsync_core.errors import LipsyncError
from lipsync_core.flows.ausynclab import settle_cost
from lipsync_core.flows.model import Job, Stage
from lipsync_core.providers.ausynclab import AusyncLabState

# No single job can use more: Nova, the dearest model, costs 5,000 credits per second of
# audio, so this is over five and a half hours of Nova.
MAX_CALLBACK_CREDITS = 100_000_000
MAX_VIDEO_ID = 2**63 - 1  # ids fit a 64-bit integer, as in any database
FINAL = frozenset({AusyncLabState.COMPLETED, AusyncLabState.FAILED})
HINTED_STAGES = frozenset({Stage.REGISTERING, Stage.GENERATING})

Part = Literal["registration", "generation"]


class CallbackRefused(LipsyncError):
    """A callback body out of range, or about another video than its job's; nothing changed."""

    status = 422


class CallbackMismatch(CallbackRefused):
    """A callback for a job, about a video that is not that job's."""

    status = 409


class CallbackBody(BaseModel):
    """A registration or lipsync callback body, with every value in range."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)

    part: Part
    video_id: Annotated[int, Field(ge=1, le=MAX_VIDEO_ID)]
    status: AusyncLabState
    credits_used: Annotated[float, Field(ge=0, le=MAX_CALLBACK_CREDITS)] | None = None
    message: str | None = None
    video_url: str | None = None


def parse_callback(payload: Mapping[str, Any]) -> CallbackBody:
    """The body as a :class:`CallbackBody` (a lipsync body carries a ``video_url`` key)."""
    part: Part = "generation" if "video_url" in payload else "registration"
    try:
        return CallbackBody.model_validate({**payload, "part": part})
    except (ValidationError, TypeError, ValueError, RecursionError):
        raise CallbackRefused(
            "This is not an AusyncLab callback with values this app accepts."
        ) from None


def callback_applied(job: Job, callback: CallbackBody, now: datetime) -> bool:
    """Apply ``callback`` to its job by the rules above; ``False`` when nothing changed."""
    if not _about(job, callback):
        raise CallbackMismatch("This callback is about another video than this job's.")
    changed = _keep_credits(job, callback)
    if _hinted(job) and (job.next_poll_at is None or job.next_poll_at > now):
        job.next_poll_at = now
        changed = True
    if changed:
        job.updated_at = now
    return changed


def _hinted(job: Job) -> bool:
    """Whether a callback makes the job due for a check: it is being registered or generated."""
    return job.is_working and job.stage in HINTED_STAGES and not job.is_intent


def _about(job: Job, callback: CallbackBody) -> bool:
    if job.provider != "ausynclab":
        return False
    if callback.part == "generation":
        return job.provider_job_id == str(callback.video_id)
    return job.registered_video_id == callback.video_id


def _keep_credits(job: Job, callback: CallbackBody) -> bool:
    reported = callback.credits_used
    if reported is None or callback.status not in FINAL or callback.part in job.reported_credits:
        return False
    job.reported_credits[callback.part] = float(reported)
    if job.is_final:
        settle_cost(job)
    return True

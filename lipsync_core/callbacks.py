"""AusyncLab's callbacks as the receiver hands them over: read the body, apply it to a job.

AusyncLab POSTs a registration or a lipsync body to ``callback_url`` when a video is done. The
body reports the credits used (the one place AusyncLab says so); the job's state itself is always
re-read from AusyncLab, the callback only makes that check happen now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from lipsync_core.errors import UnexpectedResponseError
from lipsync_core.flows.ausynclab import settle_cost
from lipsync_core.flows.model import FINAL_STATES, Job, map_provider_state
from lipsync_core.providers.ausynclab import LipsyncCallback, RegistrationCallback
from lipsync_core.store import JobStore

Callback = LipsyncCallback | RegistrationCallback


def parse_callback(payload: Mapping[str, Any] | Callback) -> Callback:
    """The callback body as AusyncLab's model (a lipsync body carries a ``video_url``)."""
    if isinstance(payload, LipsyncCallback | RegistrationCallback):
        return payload
    model = LipsyncCallback if "video_url" in payload else RegistrationCallback
    try:
        return model.model_validate(dict(payload))
    except ValidationError:
        raise UnexpectedResponseError(
            "AusyncLab sent a callback this app does not understand.", provider="ausynclab"
        ) from None


def callback_job(store: JobStore, callback: Callback) -> tuple[Job | None, str]:
    """The job a callback belongs to (``None`` if none: another app's video, a removed job), and
    which part of it the callback reports on (``generation`` or ``registration``)."""
    if isinstance(callback, LipsyncCallback):
        return store.find_by_provider_job_id("ausynclab", str(callback.video_id)), "generation"
    active = store.active("ausynclab")
    job = next((j for j in active if j.registered_video_id == callback.video_id), None)
    return job, "registration"


def callback_applied(job: Job, part: str, callback: Callback, now: datetime) -> bool:
    """Keep the credits the callback reports, and check the job at once if it says it ended."""
    if callback.credits_used is not None:
        job.reported_credits[part] = float(callback.credits_used)
    if job.is_final:
        settle_cost(job)
    elif map_provider_state("ausynclab", callback.status.value) in FINAL_STATES:
        job.next_poll_at = now
    job.updated_at = now
    return True

"""The rules of one submission: what can be sent, its idempotency key, the jobs it records.

A submission is one form sent to one or several provider/models. Before anything is recorded,
each target is checked (provider and model exist, the provider is on, every medium has an address
the provider can fetch); the audio's (and for Kling the video's) length is measured for the cost
estimate; then one intended :class:`~lipsync_core.flows.model.Job` per target is built, keyed so
the same submission sent twice finds its jobs instead of paying again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from lipsync_core import media
from lipsync_core.config import Settings
from lipsync_core.errors import (
    ConfigurationError,
    LipsyncError,
    MediaValidationError,
    provider_display_name,
)
from lipsync_core.flows.model import MODELS, Job, JobInputs, JobOptions, JobState, Stage
from lipsync_core.flows.sources import MediaKind, kling_sound_file, media_url
from lipsync_core.formats import number
from lipsync_core.i18n import N_, _
from lipsync_core.media import MediaInfo
from lipsync_core.pricing import TwinSyncPrice, estimate_cost


class SubmissionError(LipsyncError):
    """A submission cannot be sent as it is: no provider chosen, or no such provider or model."""


TITLE_LIMIT = 200
"""The longest name for the cards a submission may carry (a person's text, kept with each job)."""

# What a medium that cannot be sent is called, by its kind and whether it is a link.
UNREADABLE_MEDIUM = {
    ("video", True): N_("Video link: {reason}"),
    ("video", False): N_("Video file: {reason}"),
    ("audio", True): N_("Audio link: {reason}"),
    ("audio", False): N_("Audio file: {reason}"),
}
EMPTY_MEDIUM = {
    ("video", True): N_("Video link: it has no picture in it, so it cannot be sent."),
    ("video", False): N_("Video file: it has no picture in it, so it cannot be sent."),
    ("audio", True): N_("Audio link: it has no sound in it, so it cannot be sent."),
    ("audio", False): N_("Audio file: it has no sound in it, so it cannot be sent."),
}


def check_title(title: str | None) -> None:
    """Refuse a name for the cards longer than :data:`TITLE_LIMIT` characters."""
    if title is not None and len(title) > TITLE_LIMIT:
        raise SubmissionError(
            _("Name for the cards: at most {limit} characters (this one has {count}).").format(
                limit=number(TITLE_LIMIT), count=number(len(title))
            )
        )


def check_target(
    provider: str, model: str, inputs: JobInputs, *, on: bool, sandbox: bool, settings: Settings
) -> None:
    """Refuse, before anything is recorded, what cannot be sent (``on``: the provider has a
    client, live or sandbox)."""
    if provider not in MODELS:
        raise SubmissionError(_("There is no provider {provider}.").format(provider=repr(provider)))
    name = provider_display_name(provider)
    if model not in MODELS[provider]:
        models = ", ".join(MODELS[provider])
        raise SubmissionError(
            _("{provider} has no model {model}; choose {models}.").format(
                provider=name, model=repr(model), models=models
            )
        )
    if not on:
        raise ConfigurationError(
            _(
                "{provider} is off: set its API key, or LIPSYNC_SANDBOX=auto to use the sandbox."
            ).format(provider=name)
        )
    if sends_video(provider, inputs):
        media_url(inputs, "video", provider=provider, sandbox=sandbox, settings=settings)
    if provider == "kling":
        kling_sound_file(inputs)
    else:
        media_url(inputs, "audio", provider=provider, sandbox=sandbox, settings=settings)


def sends_video(provider: str, inputs: JobInputs) -> bool:
    """Whether a job sends its video (not a Prime job using an existing registration)."""
    return not (provider == "ausynclab" and inputs.registered_video_id is not None)


def intended_job(
    provider: str,
    model: str,
    inputs: JobInputs,
    options: JobOptions,
    *,
    title: str | None,
    key: str | None,
    group_id: str | None,
    now: datetime,
    sandbox: bool,
    submit_grace: float,
    price: TwinSyncPrice | None = None,
    sent_by: str | None = None,
) -> Job:
    """The job recorded before its provider is called; recovered after ``submit_grace`` s if
    its first call's answer is never saved. ``sent_by``: the signed-in person, if any."""
    return Job(
        id=uuid.uuid4().hex,
        provider=provider,
        model=model,
        title=title,
        sent_by=sent_by,
        group_id=group_id,
        inputs=inputs,
        options=options.model_copy(deep=True),
        state=JobState.QUEUED,
        stage=Stage.SUBMITTING,
        created_at=now,
        updated_at=now,
        next_poll_at=now + timedelta(seconds=submit_grace),
        sandbox=sandbox,
        idempotency_key=job_key(key, provider, model),
        estimated_cost=estimate_cost(
            provider,
            model,
            inputs.audio_duration,
            twinsync_price_per_second=price.per_second if price else None,
            currency=price.currency if price else None,
        ),
    )


def measured(inputs: JobInputs, *, video: bool, allowed_hosts: Collection[str]) -> JobInputs:
    """The inputs with the audio's (and, if ``video``, the video's) length measured.

    A medium whose length is not known yet is probed; one that cannot be read, or holds no
    sound (audio) or no picture (video), refuses the whole submission before anything is
    recorded or sent, with a sentence that names the field.
    """
    result = inputs.model_copy()
    if result.audio_duration is None:
        info = _probe(result, "audio", allowed_hosts)
        result.audio_duration = info.audio_duration or info.duration
    if result.video_duration is None and video:
        result.video_duration = _probe(result, "video", allowed_hosts).duration
    return result


def _probe(inputs: JobInputs, kind: MediaKind, allowed_hosts: Collection[str]) -> MediaInfo:
    url, path = getattr(inputs, f"{kind}_url"), getattr(inputs, f"{kind}_path")
    try:
        info = media.probe(url or path, allowed_hosts=allowed_hosts)
    except MediaValidationError as exc:
        raise MediaValidationError(
            _(UNREADABLE_MEDIUM[kind, bool(url)]).format(reason=exc)
        ) from None
    if not (info.has_video if kind == "video" else info.has_audio):
        raise MediaValidationError(_(EMPTY_MEDIUM[kind, bool(url)]))
    return info


SERVICE_OPTIONS = frozenset({"registration_reused"})
"""Options the job service sets itself, not the form: they do not make another submission."""


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
        "options": options.model_dump(mode="json", exclude=SERVICE_OPTIONS),
        "title": title,
        "salt": salt,
    }
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return "intent-" + hashlib.sha256(blob.encode()).hexdigest()[:40]


def job_key(key: str | None, provider: str, model: str) -> str | None:
    """Each job of a submission has its own key, derived from the submission's."""
    return f"{key}:{provider}:{model}" if key is not None else None

"""A running card's progress: the time since the provider had everything it needed, against the
time such a job usually takes (:mod:`lipsync_core.expectations`), as a bar that never claims more
than it knows.

The bar counts from ``started_at`` (for Kling, the moment its task was created after the face
choice), so a person's own wait is never shown as the provider's. It stops at :data:`CAP` until
the job really ends, and says so when the job takes longer than usual; with no figure to go by
it shows no bar and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lipsync_core.expectations import MIN_JOBS, Expectation, expected
from lipsync_core.flows.common import duration_words
from lipsync_core.flows.model import Job, JobState, utc_now
from lipsync_core.i18n import DEFAULT_LANGUAGE, _, translate_stored, use_language
from ui.runtime import Runtime

CAP = 0.95
EXPECTATION_TTL = 60


@dataclass(frozen=True)
class Progress:
    """What the bar shows: how full it is and the sentence under it."""

    fraction: float | None
    text: str


def progress(job: Job, expectation: Expectation | None, elapsed: float) -> Progress:
    """The bar for a job running for ``elapsed`` seconds at its provider."""
    so_far = duration_words(elapsed)
    if expectation is None:
        return Progress(
            None,
            _(
                "Running at {provider} for {so_far}. No expected time yet: fewer than "
                "{min_jobs} similar jobs have finished here."
            ).format(provider=job.provider_name, so_far=so_far, min_jobs=MIN_JOBS),
        )
    usual = duration_words(expectation.seconds)
    basis = translate_stored(expectation.basis)
    if elapsed >= expectation.seconds:
        return Progress(
            CAP,
            _(
                "Taking longer than the usual {usual} (from {basis}): {so_far} so far. It is not "
                "done until the card says so."
            ).format(usual=usual, basis=basis, so_far=so_far),
        )
    fraction = min(CAP, elapsed / expectation.seconds) if expectation.seconds > 0 else CAP
    said = _("About {usual} expected, from {basis}; {so_far} so far.")
    return Progress(fraction, said.format(usual=usual, basis=basis, so_far=so_far))


def render_progress(runtime: Runtime, job: Job) -> None:
    """The bar of a queued or running job that its provider has accepted; nothing otherwise."""
    if job.state not in (JobState.QUEUED, JobState.RUNNING) or job.started_at is None:
        return
    elapsed = max(0.0, (utc_now() - job.started_at).total_seconds())
    shown = progress(job, _expected(runtime, job), elapsed)
    if shown.fraction is None:
        st.caption(shown.text)
    else:
        st.progress(shown.fraction, text=shown.text)


def _expected(runtime: Runtime, job: Job) -> Expectation | None:
    audio = job.inputs.audio_duration
    rounded = None if audio is None else float(round(audio))
    database = runtime.settings.database_url
    return _cached_expectation(runtime, database, job.provider, job.model, rounded, job.sandbox)


@st.cache_data(ttl=EXPECTATION_TTL, show_spinner=False, max_entries=256)
def _cached_expectation(
    _runtime: Runtime, database: str, provider: str, model: str, audio: float | None, sandbox: bool
) -> Expectation | None:
    """The expectation, asked of ``database`` at most once a minute per kind of job (each live
    card re-reads its job every two seconds); audio lengths are rounded to the second. Its
    words are kept in English (shared by every reader) and translated where shown."""
    with use_language(DEFAULT_LANGUAGE):
        return expected(
            _runtime.service.store, provider, model, audio, sandbox=sandbox,
            sandbox_job_seconds=_runtime.settings.sandbox_job_seconds,
        )  # fmt: skip

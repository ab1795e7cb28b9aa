"""What keeps the status page current: a summary that refreshes itself, and a toast for each
job seen working that has since finished.

The summary is an ``st.fragment`` that runs every ``REFRESH_SECONDS`` as long as the page is
open: each tick costs one grouped count of the history (indexed), and a change — a job finished,
one was removed, or a teammate (on this dashboard or another process on the same database) sent
a new one — reruns the page. So the team's jobs appear within one interval, without a reload.
"""

from __future__ import annotations

import streamlit as st

from lipsync_core.flows.model import Job, JobState
from lipsync_core.formats import number
from lipsync_core.i18n import N_, _, ngettext
from lipsync_core.jobs import HistoryPage
from lipsync_core.store import JobFilter
from ui import keys
from ui.cards import BADGES, REFRESH_SECONDS
from ui.labels import target_label
from ui.runtime import Runtime

Signature = tuple[int, ...]
SUMMARY_ORDER = (
    JobState.RUNNING,
    JobState.QUEUED,
    JobState.NEEDS_INPUT,
    JobState.SUCCEEDED,
    JobState.FAILED,
)
COUNT_WORDS = {
    JobState.RUNNING: N_("{count} running"),
    JobState.QUEUED: N_("{count} queued"),
    JobState.NEEDS_INPUT: N_("{count} choose a face"),
    JobState.SUCCEEDED: N_("{count} done"),
    JobState.FAILED: N_("{count} failed"),
}
"""How many jobs are in a state, as the summary says it (English, marked)."""


def signature(counts: dict[JobState, int]) -> Signature:
    return tuple(counts[state] for state in SUMMARY_ORDER)


def render_summary(runtime: Runtime, filters: JobFilter, history: HistoryPage) -> None:
    st.fragment(_summary, run_every=REFRESH_SECONDS)(runtime, filters, signature(history.counts))


def watch_for_jobs(runtime: Runtime) -> None:
    """On an empty history: rerun the page as soon as anyone sends a job (one count a tick)."""
    st.fragment(_first_job, run_every=REFRESH_SECONDS)(runtime)


def _first_job(runtime: Runtime) -> None:
    if runtime.service.store.count():
        st.rerun()


def _summary(runtime: Runtime, filters: JobFilter, seen: Signature) -> None:
    counts = runtime.service.store.count_by_state(filters)
    if signature(counts) != seen:
        st.rerun()
    total = sum(counts.values())
    parts = [ngettext("{count} job", "{count} jobs", total).format(count=number(total))]
    parts += [_(COUNT_WORDS[s]).format(count=number(counts[s])) for s in SUMMARY_ORDER if counts[s]]
    parts.append(_("updating by itself"))
    st.caption(" · ".join(parts))


def announce_finished(jobs: list[Job]) -> None:
    """A toast for every job on the page that was working when last seen and is now final."""
    seen: set[str] = st.session_state.get(keys.STATUS_WORKING_SEEN, set())
    for job in jobs:
        if job.id in seen and job.is_final:
            word, _colour, icon = BADGES[job.state]
            said = _("{target}: {state}").format(
                target=target_label(job.provider, job.model), state=_(word).lower()
            )
            st.toast(said, icon=icon)
    shown = {job.id for job in jobs}
    working = {job.id for job in jobs if job.is_working}
    st.session_state[keys.STATUS_WORKING_SEEN] = (seen - shown) | working

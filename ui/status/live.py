"""What keeps the status page current: a summary that refreshes itself while some job is
working, and a toast for each job seen working that has since finished.

The summary is an ``st.fragment`` with ``run_every`` only while ``HistoryPage.has_working``; each
tick costs one indexed count, and a change (a job finished, a new one appeared) reruns the page.
"""

from __future__ import annotations

import streamlit as st

from lipsync_core.flows.model import Job, JobState
from lipsync_core.jobs import HistoryPage
from lipsync_core.store import JobFilter
from ui import keys
from ui.cards import BADGES, REFRESH_SECONDS
from ui.labels import target_label
from ui.runtime import Runtime

Signature = tuple[int, tuple[int, ...], bool]
SUMMARY_ORDER = (
    JobState.RUNNING,
    JobState.QUEUED,
    JobState.NEEDS_INPUT,
    JobState.SUCCEEDED,
    JobState.FAILED,
)


def signature(history: HistoryPage) -> Signature:
    return history.total, tuple(history.counts[s] for s in SUMMARY_ORDER), history.has_working


def render_summary(runtime: Runtime, filters: JobFilter, history: HistoryPage) -> None:
    every = REFRESH_SECONDS if history.has_working else None
    st.fragment(_summary, run_every=every)(runtime, filters, signature(history))


def _summary(runtime: Runtime, filters: JobFilter, seen: Signature) -> None:
    now = runtime.service.history(filters, page=1, page_size=1)
    if signature(now) != seen:
        st.rerun()
    parts = [f"{now.total:,} job{'s' if now.total != 1 else ''}"]
    parts += [f"{now.counts[s]:,} {BADGES[s][0].lower()}" for s in SUMMARY_ORDER if now.counts[s]]
    if now.has_working:
        parts.append("updating by itself")
    st.caption(" · ".join(parts))


def announce_finished(jobs: list[Job]) -> None:
    """A toast for every job on the page that was working when last seen and is now final."""
    seen: set[str] = st.session_state.get(keys.STATUS_WORKING_SEEN, set())
    for job in jobs:
        if job.id in seen and job.is_final:
            word, _, icon = BADGES[job.state]
            st.toast(f"{target_label(job.provider, job.model)}: {word.lower()}", icon=icon)
    shown = {job.id for job in jobs}
    working = {job.id for job in jobs if job.is_working}
    st.session_state[keys.STATUS_WORKING_SEEN] = (seen - shown) | working

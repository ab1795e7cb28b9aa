"""The lip-sync measure of a result in plain words: one line on its card, figures under a player.

The measure runs in the background (:mod:`lipsync_core.quality_jobs`); a card whose result is
still to be measured follows it with a small fragment, so the line changes by itself.
"""

from __future__ import annotations

import streamlit as st

from lipsync_core.flows.model import DownloadState, Job, JobState, QualityState
from lipsync_core.formats import number
from lipsync_core.i18n import N_, _, translate_stored
from lipsync_core.quality import SyncReport
from lipsync_core.quality_jobs import QualityRequestError
from ui import keys
from ui.plain import plain
from ui.runtime import Runtime

REFRESH_SECONDS = 2.0
NOT_YET = N_("Lip sync: not measured yet.")
NOT_COPIED = N_("Lip sync: not measured, because the result was not copied to this computer.")
STILL = N_("⚠️ Lip sync: the mouth does not move with the speech.")
SANDBOX_STILL = N_(
    "Lip sync: the mouth does not move with the speech, as expected: the sandbox makes no lip "
    "movement, so this is the alarm a paid result without lip sync raises."
)


def report_of(job: Job) -> SyncReport | None:
    """The stored report of a job's measure, once it has one."""
    if job.quality is None or job.quality.report is None:
        return None
    return SyncReport.from_dict(job.quality.report)


def quality_sentence(job: Job) -> str | None:
    """The card's line about lip sync (``None`` for a job with no result)."""
    if job.state is not JobState.SUCCEEDED or job.is_damaged:
        return None
    state, report = job.quality_state, report_of(job)
    if state is None and job.download_state is DownloadState.FAILED:
        return _(NOT_COPIED)
    if state not in (QualityState.MEASURED, QualityState.FAILED) or report is None:
        return _(NOT_YET)
    if state is QualityState.FAILED:
        reason = translate_stored(report.reason) or _("no reason was kept.")
        return _("Lip sync could not be measured: {reason}").format(reason=reason)
    if report.mouth_moves and report.offset_ms is not None:
        summary = translate_stored(report.summary()) or ""
        return _("Lip sync: {summary}").format(summary=f"{summary[:1].lower()}{summary[1:]}")
    return _(SANDBOX_STILL) if job.sandbox else _(STILL)


def quality_line(runtime: Runtime, job: Job) -> None:
    """The card's lip-sync line, following a measure still to come, and "measure again"."""
    if quality_sentence(job) is None:
        return
    if job.quality_state is QualityState.PENDING:
        _following(runtime, job.id)
    else:
        _line(runtime, job)


@st.fragment(run_every=REFRESH_SECONDS)
def _following(runtime: Runtime, job_id: str) -> None:
    job = runtime.service.get(job_id)
    if job is None:
        return
    if job.quality_state is QualityState.PENDING:
        st.caption(_(NOT_YET))
    else:
        st.rerun()


def _line(runtime: Runtime, job: Job) -> None:
    st.caption(plain(quality_sentence(job) or ""))
    if job.quality_state in (QualityState.MEASURED, QualityState.FAILED):
        st.button(
            _("Measure the lip sync again"), key=keys.card_action(job.id, "measure"),
            icon=":material/refresh:", type="tertiary", on_click=measure_again,
            args=(runtime, job.id),
        )  # fmt: skip


def measure_again(runtime: Runtime, job_id: str) -> None:
    try:
        runtime.service.measure_again(job_id)
    except QualityRequestError as exc:
        st.session_state[keys.STATUS_MESSAGE] = ("error", str(exc))


def quality_figures(job: Job) -> str:
    """Offset, confidence and mouth movement in one line, for results shown side by side."""
    report = report_of(job)
    if job.quality_state is QualityState.FAILED and report is not None:
        reason = translate_stored(report.reason)
        return _("Lip sync could not be measured: {reason}").format(reason=reason)
    if job.quality_state is not QualityState.MEASURED or report is None:
        return quality_sentence(job) or _("Lip sync: no result to measure.")
    offset = _("none") if report.offset_ms is None else f"{round(report.offset_ms):+d} ms"
    confidence = "—" if report.confidence is None else number(report.confidence, 2)
    moves = _("yes") if report.mouth_moves else _("no")
    return _("Offset: {offset} · confidence: {confidence} · mouth moves: {moves}").format(
        offset=offset, confidence=confidence, moves=moves
    )

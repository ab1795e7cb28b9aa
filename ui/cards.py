"""The status cards: one per job, laid out by comparison group, each following its job live.

A card whose job is queued or running (or whose result is still being copied) is an
``st.fragment`` that re-reads that one job every ``REFRESH_SECONDS`` (the background refresher
keeps the history fresh; a card only reads it) and reruns the whole page once the job has
settled, so the result, the toast and the buttons appear. Finished cards are drawn once per
page run.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from datetime import tzinfo
from pathlib import Path

import streamlit as st

from lipsync_core.flows.common import duration_words
from lipsync_core.flows.model import Cost, CostUnit, DownloadState, Job, JobState
from ui import browser_media
from ui.card_actions import render_actions
from ui.compare.linked import side_by_side_link
from ui.face_choice import render_face_choice
from ui.labels import and_list, target_label
from ui.people import signed_in, who
from ui.plain import plain
from ui.progress import render_progress
from ui.quality import quality_line
from ui.runtime import Runtime

REFRESH_SECONDS = 2.0
CARDS_PER_ROW = 3
BADGES: dict[JobState, tuple[str, str, str]] = {
    JobState.QUEUED: ("Queued", "gray", ":material/schedule:"),
    JobState.RUNNING: ("Running", "blue", ":material/autorenew:"),
    JobState.SUCCEEDED: ("Done", "green", ":material/check_circle:"),
    JobState.FAILED: ("Failed", "red", ":material/error:"),
    JobState.NEEDS_INPUT: ("Choose a face", "orange", ":material/face:"),
}

Block = tuple[str | None, list[Job]]


def blocks(jobs: Iterable[Job]) -> list[Block]:
    """Jobs in page order, a comparison group's jobs together where its newest job is, and
    consecutive jobs of no group sharing one block."""
    result: list[Block] = []
    where: dict[str, int] = {}
    for job in jobs:
        if job.group_id is None:
            if result and result[-1][0] is None:
                result[-1][1].append(job)
            else:
                result.append((None, [job]))
        elif job.group_id in where:
            result[where[job.group_id]][1].append(job)
        else:
            where[job.group_id] = len(result)
            result.append((job.group_id, [job]))
    return result


def render_cards(runtime: Runtime, jobs: list[Job], tz: tzinfo) -> None:
    for group_id, members in blocks(jobs):
        with st.container(border=group_id is not None):
            if group_id is not None and len(members) > 1:
                names = and_list([target_label(j.provider, j.model) for j in members])
                st.markdown(f"**Comparison**: the same video and audio sent to {names}")
            if group_id is not None:
                side_by_side_link(group_id)
            for start in range(0, len(members), CARDS_PER_ROW):
                columns = st.columns(CARDS_PER_ROW)
                for column, job in zip(
                    columns, members[start : start + CARDS_PER_ROW], strict=False
                ):
                    with column:
                        card(runtime, job, tz)


def followed(job: Job) -> bool:
    """Whether a card follows its job live: it may still change, or its result is being copied."""
    return job.is_working or job.download_state is DownloadState.PENDING


def card(runtime: Runtime, job: Job, tz: tzinfo) -> None:
    with st.container(border=True):
        if followed(job):
            live_card(runtime, job.id, tz)
        else:
            card_body(runtime, job, tz)
        render_actions(runtime, job)


@st.fragment(run_every=REFRESH_SECONDS)
def live_card(runtime: Runtime, job_id: str, tz: tzinfo) -> None:
    job = runtime.service.get(job_id)
    if job is None:
        st.caption("This job is no longer in the history.")
        return
    card_body(runtime, job, tz)
    if not followed(job):
        st.rerun()


def card_body(runtime: Runtime, job: Job, tz: tzinfo) -> None:
    if job.is_damaged:
        damaged_body(job, tz)
        return
    label, colour, icon = BADGES[job.state]
    st.markdown(
        f"**{target_label(job.provider, job.model)}**"
        + (f" · {plain(job.title)}" if job.title else "")
    )
    badges = st.container(horizontal=True, gap="small")
    with badges:
        st.badge(label, color=colour, icon=icon)
        if job.sandbox:
            st.badge("Sandbox", color="violet", icon=":material/science:")
    st.caption(_times(job, tz))
    _sender(job)
    if not job.is_final and job.stage is not None and job.state is not JobState.NEEDS_INPUT:
        st.caption(f"Now: {job.stage.value}")
    render_progress(runtime, job)
    _media(job)
    if job.error:
        st.error(plain(job.error))
    if job.note:
        st.caption(f"ℹ️ {plain(job.note)}")
    st.caption(cost_line(job))
    quality_line(runtime, job)
    if job.state is JobState.NEEDS_INPUT:
        with st.expander("Choose the face", expanded=True):
            render_face_choice(runtime, job)


def damaged_body(job: Job, tz: tzinfo) -> None:
    """A history row that could not be read: what is known of it, and that it is damaged."""
    st.markdown(f"**{target_label(job.provider, job.model)}**")
    st.badge("Damaged record", color="red", icon=":material/report:")
    st.caption("Sent " + job.created_at.astimezone(tz).strftime("%d %b %Y, %H:%M"))
    _sender(job)
    st.error(job.error or "")


def _sender(job: Job) -> None:
    """``Sent by …`` when someone signed in sent it (nothing on a dashboard without sign-in)."""
    if job.sent_by is not None:
        me = signed_in()
        st.caption(f"Sent by {plain(who(job.sent_by, me.id if me else None))}")


def _times(job: Job, tz: tzinfo) -> str:
    created = job.created_at.astimezone(tz).strftime("%d %b %Y, %H:%M")
    took = duration_words(job.elapsed())
    return f"Sent {created} · " + (f"took {took}" if job.is_final else f"for {took} so far")


def _media(job: Job) -> None:
    playable = playable_output(job)
    if playable:
        st.video(playable, format=mimetypes.guess_type(job.output_path or "")[0] or "video/mp4")
        return
    thumbnail = browser_media.picture(local_or_url(job.thumbnail_path, job.thumbnail_url))
    if thumbnail:
        st.image(thumbnail, width="stretch")


def playable_output(job: Job) -> str | bytes | None:
    """A succeeded job's video as ``st.video`` can play it in any browser, if it can."""
    if job.state is not JobState.SUCCEEDED:
        return None
    return browser_media.video(local_or_url(job.output_path, job.output_url))


def local_or_url(path: str | None, url: str | None) -> str | None:
    """The local copy when it is still on disk (it outlives the provider's), else the link."""
    if path and Path(path).is_file():
        return path
    return url


def cost_line(job: Job) -> str:
    if job.cost_used is not None and job.cost_used.amount is not None:
        return f"Used: {cost_words(job.cost_used)}"
    if job.estimated_cost is not None and job.estimated_cost.amount is not None:
        return f"Estimated: about {cost_words(job.estimated_cost)}"
    return "Cost: not known"


def cost_words(cost: Cost) -> str:
    """A cost in its unit; one whose amount is unknown says so, never a zero."""
    if cost.amount is None:
        return "not known"
    amount = cost.amount
    if cost.unit is CostUnit.CREDITS:
        text = f"{amount:,.0f} credits"
    elif cost.unit is CostUnit.PTC:
        text = f"{amount:.3f} PTC"
    elif cost.unit is CostUnit.CURRENCY:
        text = f"{amount:,.2f} {cost.currency or '(in the currency you priced it in)'}"
    else:
        text = f"{amount:g}"
    return text + (" (estimate)" if cost.estimated else "")

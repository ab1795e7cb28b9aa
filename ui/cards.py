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
from lipsync_core.flows.model import Cost, CostUnit, DownloadState, Job, JobState, Stage
from lipsync_core.formats import moment, money, number
from lipsync_core.i18n import DEFAULT_LANGUAGE, N_, _, current_language, translate_stored
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
    JobState.QUEUED: (N_("Queued"), "gray", ":material/schedule:"),
    JobState.RUNNING: (N_("Running"), "blue", ":material/autorenew:"),
    JobState.SUCCEEDED: (N_("Done"), "green", ":material/check_circle:"),
    JobState.FAILED: (N_("Failed"), "red", ":material/error:"),
    JobState.NEEDS_INPUT: (N_("Choose a face"), "orange", ":material/face:"),
}
"""Each job state's word (English, marked: shown through ``_()``), colour and icon."""
STAGE_WORDS: dict[Stage, str] = {
    Stage.SUBMITTING: N_("submitting"),
    Stage.REGISTERING: N_("registering video"),
    Stage.STARTING_GENERATION: N_("starting generation"),
    Stage.GENERATING: N_("generating"),
    Stage.WAITING_FOR_FACE: N_("waiting for face choice"),
    Stage.CREATING_TASK: N_("creating task"),
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
                st.markdown(
                    _("**Comparison**: the same video and audio sent to {names}").format(
                        names=names
                    )
                )
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
        st.caption(_("This job is no longer in the history."))
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
        st.badge(_(label), color=colour, icon=icon)
        if job.sandbox:
            st.badge(_("Sandbox"), color="violet", icon=":material/science:")
    st.caption(_times(job, tz))
    _sender(job)
    if not job.is_final and job.stage is not None and job.state is not JobState.NEEDS_INPUT:
        st.caption(_("Now: {stage}").format(stage=stage_words(job.stage)))
    render_progress(runtime, job)
    _media(job)
    if job.error:
        st.error(plain(translate_stored(job.error)))
    if job.note:
        st.caption(f"ℹ️ {plain(translate_stored(job.note))}")
    st.caption(cost_line(job))
    quality_line(runtime, job)
    if job.state is JobState.NEEDS_INPUT:
        with st.expander(_("Choose the face"), expanded=True):
            render_face_choice(runtime, job)


def damaged_body(job: Job, tz: tzinfo) -> None:
    """A history row that could not be read: what is known of it, and that it is damaged."""
    st.markdown(f"**{target_label(job.provider, job.model)}**")
    st.badge(_("Damaged record"), color="red", icon=":material/report:")
    st.caption(_("Sent {moment}").format(moment=sent_moment(job, tz)))
    _sender(job)
    st.error(translate_stored(job.error) or "")


def _sender(job: Job) -> None:
    """``Sent by …`` when someone signed in sent it (nothing on a dashboard without sign-in)."""
    if job.sent_by is not None:
        me = signed_in()
        person = plain(who(job.sent_by, me.id if me else None))
        st.caption(_("Sent by {person}").format(person=person))


def stage_words(stage: Stage) -> str:
    """The step a job is at, in the reader's language."""
    return _(STAGE_WORDS[stage])


def sent_moment(job: Job, tz: tzinfo) -> str:
    """When a job was sent, in the viewer's time zone ("02 Dec 2026, 18:40" in English)."""
    if current_language() == DEFAULT_LANGUAGE:
        return job.created_at.astimezone(tz).strftime("%d %b %Y, %H:%M")
    return moment(job.created_at, tz)


def _times(job: Job, tz: tzinfo) -> str:
    created, took = sent_moment(job, tz), duration_words(job.elapsed())
    if job.is_final:
        return _("Sent {moment} · took {duration}").format(moment=created, duration=took)
    return _("Sent {moment} · for {duration} so far").format(moment=created, duration=took)


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
        return _("Used: {cost}").format(cost=cost_words(job.cost_used))
    if job.estimated_cost is not None and job.estimated_cost.amount is not None:
        return _("Estimated: about {cost}").format(cost=cost_words(job.estimated_cost))
    return _("Cost: not known")


def cost_words(cost: Cost) -> str:
    """A cost in its unit; one whose amount is unknown says so, never a zero."""
    if cost.amount is None:
        return _("not known")
    amount = cost.amount
    if cost.unit is CostUnit.CREDITS:
        text = f"{number(amount)} credits"
    elif cost.unit is CostUnit.PTC:
        text = f"{number(amount, 3)} PTC"
    elif cost.unit is CostUnit.CURRENCY:
        text = _money_words(amount, cost.currency)
    else:
        text = f"{amount:g}"
    return _("{cost} (estimate)").format(cost=text) if cost.estimated else text


def _money_words(amount: float, currency: str | None) -> str:
    """``12.50 EUR`` in English (the amount first, as the cards always said it)."""
    if currency is None:
        return _("{amount} (in the currency you priced it in)").format(amount=number(amount, 2))
    if current_language() == DEFAULT_LANGUAGE:
        return f"{number(amount, 2)} {currency}"
    return money(amount, currency)

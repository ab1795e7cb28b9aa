"""Side by side: the outputs of one comparison group next to each other, one control that plays
them all together, and the favourite. A link (:mod:`ui.compare.linked`) may choose the group."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

import streamlit as st

from lipsync_core import formats
from lipsync_core.flows.common import duration_words
from lipsync_core.flows.model import Job, JobState
from lipsync_core.i18n import DEFAULT_LANGUAGE, N_, _, current_language, translate_stored
from lipsync_core.store import ComparisonGroup
from ui import keys
from ui.cards import REFRESH_SECONDS, cost_line, followed, playable_output
from ui.compare.linked import choose_linked, linked_group, remember_choice
from ui.compare.play_together import play_together
from ui.labels import target_label
from ui.people import actor, signed_in, who
from ui.plain import plain
from ui.quality import quality_figures
from ui.runtime import Runtime

STATE_WORDS = {
    JobState.QUEUED: N_("⏳ queued"),
    JobState.RUNNING: N_("⚙️ running"),
    JobState.NEEDS_INPUT: N_("✋ waiting for a face choice"),
    JobState.SUCCEEDED: N_("✅ done"),
    JobState.FAILED: N_("❌ failed"),
}


def group_ids(jobs: Sequence[Job]) -> list[str]:
    """The comparison groups among ``jobs`` (newest first, each once)."""
    return list(dict.fromkeys(job.group_id for job in jobs if job.group_id))


def render_groups(runtime: Runtime, jobs: Sequence[Job], tz: tzinfo) -> None:
    jobs = [*_linked_jobs(runtime, jobs), *jobs]
    ids = group_ids(jobs)
    if not ids:
        st.info(
            _(
                "No comparison yet: on the Submit page, send one video and audio to several "
                "providers at once, and their results show here side by side."
            )
        )
        return
    a_member = {job.group_id: job for job in jobs if job.group_id}
    choose_linked(ids)
    chosen = st.selectbox(
        _("Comparison"),
        ids,
        format_func=lambda gid: _group_label(a_member[gid], tz),
        key=keys.COMPARE_GROUP,
        on_change=remember_choice,
    )
    group, members = runtime.service.group(chosen)
    favourite = group.favourite_job_id if group else None
    members = sorted(members, key=lambda job: (job.provider, job.model))
    if not members:
        st.info(_("The jobs of this comparison were removed from the history."))
        return
    if group is not None:
        _people(group, tz)
    playable = [job for job in members if playable_output(job)]
    if len(playable) > 1:
        names = [target_label(job.provider, job.model) for job in playable]
        play_together(
            keys.COMPARE_PLAYERS, key=keys.COMPARE_PLAY_ALL, names=names,
            play=_("▶ Play all together from the start"), pause=_("Pause all"),
        )  # fmt: skip
    with st.container(key=keys.COMPARE_PLAYERS):
        for column, job in zip(st.columns(len(members)), members, strict=True):
            with column, st.container(border=True):
                _member(runtime, chosen, job, favourite == job.id)
    if any(followed(job) or job.state is JobState.NEEDS_INPUT for job in members):
        st.fragment(_follow, run_every=REFRESH_SECONDS)(runtime, chosen, _signature(members))


def _signature(members: Sequence[Job]) -> tuple[tuple[str, str, str], ...]:
    return tuple(sorted((j.id, j.state.value, str(j.download_state)) for j in members))


def _follow(runtime: Runtime, group_id: str, seen: tuple[tuple[str, str, str], ...]) -> None:
    """While a job of the comparison works (or waits for Kling's face): the page is drawn again
    once one has changed."""
    if _signature(runtime.service.group(group_id)[1]) != seen:
        st.rerun()


def _linked_jobs(runtime: Runtime, listed: Sequence[Job]) -> list[Job]:
    """The linked comparison's jobs when it is older than the period's list (else none)."""
    linked = linked_group()
    if linked is None or any(job.group_id == linked for job in listed):
        return []
    return runtime.service.group(linked)[1]


def _people(group: ComparisonGroup, tz: tzinfo) -> None:
    """Who sent the comparison and who chose its favourite, when someone signed in did."""
    me = signed_in()
    mine = me.id if me else None
    sender = plain(who(group.created_by, mine)) if group.created_by is not None else None
    chooser, when = None, ""
    if group.favourite_job_id and group.favourite_by is not None and group.favourite_at:
        chooser, when = plain(who(group.favourite_by, mine)), _moment(group.favourite_at, tz)
    if sender and chooser:
        words = _(
            "Sent by {sender} · favourite chosen by {chooser} on {when}. "
            "The favourite is the team's: one per comparison."
        )
    elif sender:
        words = _("Sent by {sender}. The favourite is the team's: one per comparison.")
    elif chooser:
        words = _(
            "favourite chosen by {chooser} on {when}. "
            "The favourite is the team's: one per comparison."
        )
    else:
        return
    st.caption(words.format(sender=sender, chooser=chooser, when=when))


def _moment(when: datetime, tz: tzinfo) -> str:
    """A date and minute in ``tz``: "02 Dec 2026, 18:40" in English (as the page always said
    it), the language's own form elsewhere."""
    if current_language() == DEFAULT_LANGUAGE:
        return when.astimezone(tz).strftime("%d %b %Y, %H:%M")
    return formats.moment(when, tz)


def _took(seconds: float) -> str:
    """How long a job took: as the cards say it in English, in the language's units elsewhere."""
    if current_language() == DEFAULT_LANGUAGE:
        return duration_words(seconds)
    return formats.duration(seconds)


def _group_label(job: Job, tz: tzinfo) -> str:
    name = job.title or job.inputs.video_name or job.inputs.audio_name or _("Untitled")
    sent = _moment(job.created_at, tz)
    if job.sandbox:
        return _("{name} · sent {sent} · sandbox").format(name=name, sent=sent)
    return _("{name} · sent {sent}").format(name=name, sent=sent)


def _member(runtime: Runtime, group_id: str, job: Job, is_favourite: bool) -> None:
    mark = " ⭐" if is_favourite else ""
    st.markdown(f"**{target_label(job.provider, job.model)}**{mark}")
    playable = playable_output(job)
    if playable:
        st.video(playable)
    elif job.error:
        st.error(plain(translate_stored(job.error) or ""))
    state = _(STATE_WORDS[job.state])
    if job.is_final:
        line = _("{state} · took {time} · {cost}").format(
            state=state, time=_took(job.elapsed()), cost=cost_line(job)
        )
    else:
        line = _("{state} · still working · {cost}").format(state=state, cost=cost_line(job))
    st.caption(line)
    st.caption(plain(quality_figures(job)))
    if is_favourite:
        st.button(
            _("Unmark favourite"),
            key=f"{keys.COMPARE_FAVOURITE}_{job.id}",
            on_click=_set_favourite,
            args=(runtime, group_id, None),
        )
    elif job.state is JobState.SUCCEEDED:
        st.button(
            _("⭐ Mark as favourite"),
            key=f"{keys.COMPARE_FAVOURITE}_{job.id}",
            on_click=_set_favourite,
            args=(runtime, group_id, job.id),
        )


def _set_favourite(runtime: Runtime, group_id: str, job_id: str | None) -> None:
    runtime.service.set_favourite(group_id, job_id, actor=actor())

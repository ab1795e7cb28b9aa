"""A card's buttons: download the result, submit again, remove from the history.

Submit again shows its cost and asks first, through the shared cost check (``ui.spend``);
removal asks first too, and says it removes the job for the whole team. Both record who did it.
Both dialogs are opened from session state at page level (the page calls
:func:`render_dialogs`), so the question survives reruns and a test can reach it. Results of
actions are kept as one message in session state and shown at the top of the page's next run.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import streamlit as st

from lipsync_core.errors import LipsyncError
from lipsync_core.flows.model import Job
from lipsync_core.i18n import _
from ui import keys, spend
from ui.labels import target_label
from ui.people import actor, signed_in, who
from ui.plain import plain
from ui.runtime import Runtime
from ui.submit.outcome import again_sentence

RETRY = "retry:"


def render_actions(runtime: Runtime, job: Job) -> None:
    row = st.container(horizontal=True, gap="small")
    with row:
        _download(job)
        if job.is_final and not job.is_damaged:
            st.button(
                _("Submit again"), key=keys.card_action(job.id, "again"), icon=":material/replay:",
                on_click=spend.ask, args=(retry_action(job.id),),
            )  # fmt: skip
        st.button(
            _("Remove"), key=keys.card_action(job.id, "remove"), icon=":material/delete:",
            on_click=_ask_removal, args=(job.id,),
        )  # fmt: skip


def _download(job: Job) -> None:
    """The local result as a download (read only when clicked), or a link to the provider's."""
    path = job.output_path if job.output_path and Path(job.output_path).is_file() else None
    if path:
        st.download_button(
            _("Download"), data=partial(Path(path).read_bytes), file_name=_file_name(job, path),
            mime="video/mp4", key=keys.card_action(job.id, "download"), on_click="ignore",
            icon=":material/download:",
        )  # fmt: skip
    elif job.output_url and job.is_final:
        st.link_button(_("Open the result"), job.output_url, icon=":material/open_in_new:")


def _file_name(job: Job, path: str) -> str:
    label = target_label(job.provider, job.model).lower().replace(" ", "-")
    return f"lipsync-{label}-{job.id[:8]}{Path(path).suffix}"


def retry_action(job_id: str) -> str:
    """The cost check's name for "submit this job again"."""
    return f"{RETRY}{job_id}"


def render_dialogs(runtime: Runtime) -> None:
    """The cost dialog of a Submit again and the removal dialog, when one was asked for."""
    asked = st.session_state.get(keys.SPEND_ASKING) or st.session_state.get(keys.SPEND_CONFIRMED)
    if isinstance(asked, str) and asked.startswith(RETRY):
        _confirm_retry(runtime, asked.removeprefix(RETRY))
    removing = pending_removal(runtime)
    if removing is not None:
        removal_dialog(runtime, removing)


def _confirm_retry(runtime: Runtime, job_id: str) -> None:
    job = runtime.service.get(job_id)
    if job is None:
        spend.forget()
        return
    label = target_label(job.provider, job.model)
    cost = spend.spend_for(runtime, [(job.provider, job.model)], job.inputs.audio_duration)
    what = _("Send this {label} job again, as a new job of its own?").format(label=label)
    if spend.confirmation(retry_action(job.id), cost, what, yes=_("Yes, send it again")):
        submit_again(runtime, job.id)
        st.rerun()


def submit_again(runtime: Runtime, job_id: str) -> None:
    """A new job with the same inputs; clicking twice makes one (the core keys it by the old)."""
    try:
        job = runtime.service.retry(job_id, actor=actor())
    except LipsyncError as exc:
        _tell("error", str(exc))
        return
    runtime.refresher.wake()
    _tell("success", again_sentence(job))


def _ask_removal(job_id: str) -> None:
    st.session_state[keys.STATUS_REMOVING] = job_id


def _forget_removal() -> None:
    st.session_state.pop(keys.STATUS_REMOVING, None)


def removal_dialog(runtime: Runtime, job: Job) -> None:
    """The removal question, titled in the reader's language (so made when it opens)."""
    title = _("Remove from the history?")
    st.dialog(title, on_dismiss=_forget_removal)(_removal_question)(runtime, job)


def _removal_question(runtime: Runtime, job: Job) -> None:
    label = target_label(job.provider, job.model)
    st.write(
        _(
            "The card of this {label} job and its record will be removed from the history for "
            "the whole team: nobody will see it any more."
        ).format(label=label)
    )
    if job.sent_by is not None:
        me = signed_in()
        person = plain(who(job.sent_by, me.id if me else None))
        st.caption(_("Sent by {person}.").format(person=person))
    if not job.is_final:
        st.warning(
            _(
                "The job is not finished: it keeps running at {provider} (and may still cost), "
                "but this app will stop following it."
            ).format(provider=job.provider_name)
        )
    yes, no = st.columns(2)
    if yes.button(_("Remove for everyone"), key=keys.STATUS_REMOVE_YES, type="primary"):
        runtime.service.remove(job.id, actor=actor())
        removed = _("The {label} job was removed from the history, for everyone.")
        _tell("success", removed.format(label=label))
        _forget_removal()
        st.rerun()
    if no.button(_("Keep it"), key=keys.STATUS_REMOVE_NO):
        _forget_removal()
        st.rerun()


def pending_removal(runtime: Runtime) -> Job | None:
    """The job the removal dialog is about, if one is asked and still in the history."""
    job_id = st.session_state.get(keys.STATUS_REMOVING)
    job = runtime.service.get(job_id) if job_id else None
    if job_id and job is None:
        _forget_removal()
    return job


def _tell(kind: str, sentence: str) -> None:
    st.session_state[keys.STATUS_MESSAGE] = (kind, sentence)


def show_message() -> None:
    """The last action's result, once."""
    told = st.session_state.pop(keys.STATUS_MESSAGE, None)
    if told:
        kind, sentence = told
        (st.error if kind == "error" else st.success)(plain(sentence))

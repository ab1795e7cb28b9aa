"""Sending the form: one submission key per intended submission, the cost confirmation, the result.

The submission key is the core's :func:`~lipsync_core.jobs.intent_key` of what the form asks
for, salted with this browser session's nonce, and the core turns it into one job per
provider/model: a double click, a rerun or a click on an unchanged form returns the jobs already
sent instead of sending again. "Send the same again as new jobs" draws a new nonce and sends
(after the cost dialog when the cost asks for it): new jobs, a new comparison, never the old one.
"Compare every provider on the sample" (:mod:`ui.submit.everything`) always shows the cost
dialog first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import streamlit as st

from lipsync_core.errors import LipsyncError
from lipsync_core.flows.model import MODELS, Job, JobInputs, JobOptions, JobState
from lipsync_core.i18n import _, translate_stored
from lipsync_core.pricing import TwinSyncPrice
from lipsync_core.submission import intent_key
from ui import keys, spend
from ui.labels import and_list, target_label
from ui.people import actor
from ui.plain import plain
from ui.runtime import Runtime
from ui.submit.cost import CostSummary
from ui.submit.everything import ASK, asked_now, send_again
from ui.submit.kling_step import sent_sentence
from ui.submit.options import Target
from ui.submit.outcome import links_to


@dataclass(frozen=True)
class Submission:
    """What one click on "Send" asks for."""

    targets: tuple[Target, ...]
    inputs: JobInputs
    options: JobOptions
    title: str | None
    twinsync_price: TwinSyncPrice | None = None

    @property
    def key(self) -> str:
        """The idempotency key: this form, salted with this browser session's nonce."""
        return intent_key(self.targets, self.inputs, self.options, self.title, nonce())


def nonce() -> str:
    """This browser session's salt for submission keys (drawn once, or again on request)."""
    return st.session_state.setdefault(keys.NONCE, uuid.uuid4().hex)


def new_nonce() -> None:
    st.session_state[keys.NONCE] = uuid.uuid4().hex


def send_label(submission: Submission) -> str:
    names = [target_label(*target) for target in submission.targets]
    return _("Send to {providers}").format(providers=and_list(names)) if names else _("Send")


def send_question(submission: Submission) -> str:
    """The cost dialog's title: ``Send to Kling and TwinSync?``."""
    names = [target_label(*target) for target in submission.targets]
    return _("Send to {providers}?").format(providers=and_list(names)) if names else _("Send?")


def send(runtime: Runtime, submission: Submission) -> None:
    """Send through the core (one job, or a comparison group), then show the page again with
    what was sent; a refusal is shown in words."""
    key = submission.key
    try:
        with st.spinner(_("Sending…")):
            if len(submission.targets) == 1:
                ((provider, model),) = submission.targets
                jobs = [
                    runtime.service.submit(
                        provider, model, submission.inputs, options=submission.options,
                        title=submission.title, idempotency_key=key,
                        twinsync_price=submission.twinsync_price, actor=actor(),
                    )
                ]  # fmt: skip
            else:
                jobs = runtime.service.submit_group(
                    list(submission.targets), submission.inputs, options=submission.options,
                    title=submission.title, idempotency_key=key,
                    twinsync_price=submission.twinsync_price, actor=actor(),
                )  # fmt: skip
    except LipsyncError as exc:
        st.error(plain(translate_stored(str(exc))))
        return
    runtime.refresher.wake()
    st.session_state[keys.SUBMIT_SENT] = (key, [job.id for job in jobs])
    st.rerun()


def render_send(
    runtime: Runtime, submission: Submission, cost: CostSummary, *, ready: bool
) -> None:
    """The send button: it sends, or first asks in the cost dialog when the cost says so (always
    after "Compare every provider on the sample")."""
    now = asked_now()
    if now is not None:
        new_nonce()  # new jobs, a new comparison: never the ones already sent
    clicked = st.button(
        send_label(submission), key=keys.SUBMIT_BUTTON, type="primary",
        disabled=not ready or already_sent(submission),
    )  # fmt: skip
    if (clicked or now) and ready and not already_sent(submission):
        if cost.spend.needs_confirmation or now == ASK:
            spend.ask(submission.key)
        else:
            send(runtime, submission)
    if spend.confirmation(submission.key, cost.spend, send_question(submission)):
        send(runtime, submission)


def already_sent(submission: Submission) -> bool:
    sent = st.session_state.get(keys.SUBMIT_SENT)
    return bool(sent) and sent[0] == submission.key


def sent_jobs(runtime: Runtime) -> list[Job]:
    """The jobs of this session's last submission, as they are now."""
    sent = st.session_state.get(keys.SUBMIT_SENT)
    jobs = runtime.service.get_many(sent[1]) if sent else []
    order = [(provider, model) for provider, models in MODELS.items() for model in models]
    return sorted(jobs, key=lambda job: order.index((job.provider, job.model)))


def render_sent(jobs: list[Job]) -> None:
    """What was sent, each job's first answer, and the way to its cards."""
    sentence = sent_sentence(jobs)
    if sentence:
        st.success(sentence, icon=":material/check_circle:")
    for job in jobs:
        label = target_label(job.provider, job.model)
        if job.state is JobState.FAILED and job.error:
            st.error(f"{label}: {plain(translate_stored(job.error))}")
        elif job.note:
            st.info(f"{label}: {plain(translate_stored(job.note))}")
    links_to(jobs)
    st.button(
        _("Send the same again as new jobs"), key=keys.SUBMIT_AGAIN, on_click=send_again,
        help=_("Sends the same media to the same providers once more: new jobs, a new "
        "comparison (clicking Send on an unchanged form does not make new jobs; this does)."),
    )  # fmt: skip

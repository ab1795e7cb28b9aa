"""Kling's second step on the submit page, right under the send button: its face panel first,
what happened to it in words, and a "sent" sentence that names Kling only once its task exists.

Kling lip-syncs in two calls: identify the faces (done at send), then create the task with the
chosen face. When Kling finds exactly one face there is nothing to choose: the task is created
at once with the default timing (the whole audio that fits, where the face appears), unless the
person unticked :data:`AUTO_LABEL` on the form. When it finds several faces, or the default
timing breaks one of Kling's rules, the panel asks, and nothing says "sent" to Kling until then.
"""

from __future__ import annotations

import streamlit as st

from lipsync_core.errors import LipsyncError
from lipsync_core.flows.model import Job, JobState
from lipsync_core.i18n import N_, _, translate_stored
from ui import keys
from ui.face_choice import render_face_choice
from ui.plain import plain
from ui.runtime import Runtime
from ui.submit.options import Target
from ui.submit.outcome import made_sentence

KLING = "kling"
AUTO_LABEL = N_("When Kling finds only one face, use it (create Kling's task at once)")
AUTO_HELP = N_(
    "Kling works in two steps: it first finds the faces, then makes the video for the face you "
    "choose. With this ticked, a video with one face goes straight on with the whole audio "
    "placed where the face appears; untick it to choose the timing and volumes yourself."
)
PANEL_KEY = "kling_step"
# Brings the face panel into view once, where the person is looking after clicking Send
# (a constant script: nothing in it comes from a person or a provider).
SCROLL_SCRIPT = f"""<script>
(function () {{
  let tries = 0;
  const find = () => {{
    const panel = document.querySelector(".st-key-{PANEL_KEY}");
    if (panel) {{ panel.scrollIntoView({{block: "start"}}); }}
    else if (tries++ < 40) {{ setTimeout(find, 50); }}
  }};
  find();
}})();
</script>"""


def auto_choice(chosen: list[Target]) -> bool:
    """The form's tick for using a single face at once, shown only when Kling is chosen."""
    if not any(provider == KLING for provider, _model in chosen):
        return True
    return st.checkbox(_(AUTO_LABEL), value=True, key=keys.SUBMIT_KLING_AUTO, help=_(AUTO_HELP))


def waiting(job: Job) -> bool:
    return job.provider == KLING and job.state is JobState.NEEDS_INPUT and bool(job.options.faces)


def use_single_faces(runtime: Runtime, jobs: list[Job], *, auto: bool) -> list[Job]:
    """Create the task of each Kling job of this submission that found exactly one face (once
    per job: a refusal is kept and shown in the panel); returns the jobs as they are now."""
    if not auto:
        return jobs
    tried: dict[str, str | None] = st.session_state.setdefault(keys.SUBMIT_KLING_TRIED, {})
    result = []
    for job in jobs:
        if waiting(job) and len(job.options.faces) == 1 and job.id not in tried:
            tried[job.id] = None
            try:
                with st.spinner(_("Kling found one face: creating its task…")):
                    job = runtime.service.choose_face(job.id, job.options.faces[0].face_id)
                runtime.refresher.wake()
            except LipsyncError as exc:
                tried[job.id] = str(exc)
        result.append(job)
    return result


def render_kling_step(runtime: Runtime, jobs: list[Job]) -> None:
    """The face panel of each Kling job still waiting (brought into view once), then what became
    of each Kling job whose task was created."""
    pending = [job for job in jobs if waiting(job)]
    if pending:
        with st.container(key=PANEL_KEY):
            for job in pending:
                _refusal(job)
                render_face_choice(runtime, job)
        _scroll_once(pending)
    tried = st.session_state.get(keys.SUBMIT_KLING_TRIED, {})
    for job in jobs:
        if job.provider == KLING and job.provider_job_id and job.options.face_id is not None:
            automatic = job.id in tried and tried[job.id] is None
            st.success(created_sentence(job, automatic=automatic), icon=":material/face:")


def _refusal(job: Job) -> None:
    tried = st.session_state.get(keys.SUBMIT_KLING_TRIED, {})
    if tried.get(job.id):
        st.warning(
            _(
                "Kling found one face, but its task could not be created with the usual timing: "
                "{reason} Choose the timing below."
            ).format(reason=plain(translate_stored(tried[job.id])))
        )


def _scroll_once(pending: list[Job]) -> None:
    shown: set[str] = st.session_state.setdefault(keys.SUBMIT_KLING_SHOWN, set())
    new = {job.id for job in pending} - shown
    if new:
        shown.update(new)
        st.html(SCROLL_SCRIPT, unsafe_allow_javascript=True)


def created_sentence(job: Job, *, automatic: bool) -> str:
    """What happened after the face was chosen: the task exists, and where to follow it."""
    face = plain(job.options.face_id)
    if automatic:
        sentence = _(
            "Kling found one face (face {face}) and used it: the Kling task was created, and "
            "Kling is now making the video. Its status card shows the progress and the result."
        )
    else:
        sentence = _(
            "You chose face {face}: the Kling task was created, and Kling is now making the "
            "video. Its status card shows the progress and the result."
        )
    return sentence.format(face=face)


def sent_sentence(jobs: list[Job]) -> str | None:
    """What was sent (``Sent 2 jobs as a new comparison: …``), naming only the jobs
    really sent: a Kling job waiting for its face is not (its task does not exist yet);
    ``None`` when nothing is sent yet."""
    sent = [job for job in jobs if not waiting(job)]
    if not sent:
        return None
    return made_sentence(sent) + " " + _("The status cards update by themselves.")

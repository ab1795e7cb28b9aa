"""Submit: a video and an audio, checked and priced, to one provider or several at once."""

import streamlit as st

from lipsync_core.i18n import _
from lipsync_core.submission import TITLE_LIMIT
from ui import keys
from ui.access import require_access
from ui.runtime import get_runtime
from ui.submit.cost import render_cost
from ui.submit.everything import render_compare_everything
from ui.submit.kling_step import auto_choice, render_kling_step, use_single_faces
from ui.submit.length_warning import render_length_warning
from ui.submit.media import media_input, use_samples
from ui.submit.options import ausynclab_options, choose_targets
from ui.submit.preflight import (
    check_target,
    measured_inputs,
    probe_choice,
    render_checks,
    render_face_check,
)
from ui.submit.send import Submission, render_send, render_sent, sent_jobs

require_access()  # also when Streamlit runs this file alone
runtime = get_runtime()
st.title(_("Submit a lip-sync job"))
if not runtime.available_providers():
    st.info(_("Every provider is off: set an API key, or LIPSYNC_SANDBOX=auto to use the sandbox."))
    st.stop()

with st.container(horizontal=True):
    render_compare_everything(runtime)
    st.button(
        _("Try the sample media"), key=keys.SUBMIT_SAMPLE, on_click=use_samples, args=(runtime,),
        icon=":material/auto_awesome:",
    )  # fmt: skip
video_column, audio_column = st.columns(2)
with video_column:
    video = media_input("video", runtime)
with audio_column:
    audio = media_input("audio", runtime)

st.subheader(_("Providers"))
chosen = choose_targets(runtime)
ausynclab = ausynclab_options(chosen, runtime)
kling_auto = auto_choice(chosen)
title = (
    st.text_input(
        _("Name for the cards (optional)"), key=keys.SUBMIT_TITLE, max_chars=TITLE_LIMIT
    ).strip()
    or None
)

with st.spinner(_("Checking the media…")):
    video_probe, audio_probe = probe_choice(video, runtime), probe_choice(audio, runtime)
inputs = measured_inputs(video, audio, ausynclab.registered_video_id, video_probe, audio_probe)
checks = [check_target(target, runtime, inputs, video_probe, audio_probe) for target in chosen]
if chosen:
    st.subheader(_("Checks before sending"))
    render_checks(checks)
    render_face_check(video, video_probe)
else:
    st.info(_("Choose a provider above, or several to compare them on the same media."))

render_length_warning(chosen, inputs, ausynclab.options)
sendable = tuple(check.target for check in checks if not check.blocked)
cost = render_cost(runtime, sendable, inputs.audio_duration)
submission = Submission(sendable, inputs, ausynclab.options, title, cost.twinsync_price)
render_send(runtime, submission, cost, ready=bool(sendable) and ausynclab.missing is None)

jobs = use_single_faces(runtime, sent_jobs(runtime), auto=kling_auto)
if jobs:
    render_kling_step(runtime, jobs)  # Kling's face first: nothing is sent to Kling before it
    render_sent(jobs)

"""Kling's face choice: after identify-face a Kling job waits (``needs_input``) for a person to
pick the face, trim the audio, place it and set the two volumes.

Used on the submit page right after sending and on the job's status card. Kling's timing rules
are checked by the core (``limits.validate_kling_timing``) while the sliders move, and again by
``JobService.choose_face`` before anything is sent; the widgets work in seconds, the core in ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from lipsync_core.errors import Finding, LipsyncError
from lipsync_core.flows.model import Job, JobState, KlingFace
from lipsync_core.formats import number
from lipsync_core.i18n import N_, _, translate_stored
from lipsync_core.media.limits import validate_kling_timing
from ui import browser_media, keys
from ui.plain import plain
from ui.runtime import Runtime

MAX_SECONDS = 60.0
THUMBNAILS_PER_ROW = 4
# The timeline: one row per face and one for the audio, each tall enough for its label, and
# room under them for the axis's numbers and its (short) title, so that nothing overlaps or is
# cut in the narrowest column (a status card).
ROW_PX = 34
AXIS_PX = 50
TIMELINE_CAPTION = N_(
    "When each face is visible, and where the new audio will play, in seconds into the video."
)


@dataclass(frozen=True)
class Timing:
    """The person's choice, in milliseconds as Kling takes it."""

    face: KlingFace
    sound_start_time: int
    sound_end_time: int
    sound_insert_time: int
    sound_volume: float
    original_audio_volume: float

    @property
    def placed(self) -> tuple[int, int]:
        """Where the trimmed audio lands in the video."""
        length = self.sound_end_time - self.sound_start_time
        return self.sound_insert_time, self.sound_insert_time + length


def seconds(milliseconds: int) -> float:
    return round(milliseconds / 1000, 1)


def render_face_choice(runtime: Runtime, job: Job) -> None:
    """Thumbnails, the visibility timeline, the timing widgets, the check, and the send button."""
    faces = job.options.faces
    if job.state is not JobState.NEEDS_INPUT or not faces:
        return
    with st.container(border=True):
        _choice(runtime, job, faces)


def heading(faces: list[KlingFace]) -> str:
    """What the panel asks: nothing is sent to Kling for lip-sync until the task is created."""
    if len(faces) == 1:
        return _(
            "Kling found one face: check where the audio goes, then create the task to send it."
        )
    return _("Kling found {count} faces: choose one to send.").format(count=len(faces))


def _choice(runtime: Runtime, job: Job, faces: list[KlingFace]) -> None:
    st.markdown(f"**{heading(faces)}**")
    _thumbnails(faces)
    face = _pick_face(job, faces)
    video_s, audio_s = _lengths(job, face)
    timing = _timing_widgets(job, face, video_s, audio_s)
    st.caption(_(TIMELINE_CAPTION))
    st.altair_chart(timeline_chart(faces, timing, video_s), width="stretch")
    findings = check_timing(timing, video_s, audio_s)
    for finding in findings:
        (st.error if finding.blocking else st.warning)(finding.message)
    blocked = any(f.blocking for f in findings)
    if st.button(
        _("Create the Kling task"), key=keys.face_choice(job.id, "send"), type="primary",
        disabled=blocked,
    ):  # fmt: skip
        _send(runtime, job, timing)


def _thumbnails(faces: list[KlingFace]) -> None:
    columns = st.columns(min(len(faces), THUMBNAILS_PER_ROW))
    for index, face in enumerate(faces):
        with columns[index % len(columns)]:
            face_image = browser_media.picture(face.face_image)
            if face_image:
                st.image(face_image, width=120)
            st.caption(
                _("Face {face_id}: visible {start}–{end} s").format(
                    face_id=plain(face.face_id),
                    start=_short(seconds(face.start_time)),
                    end=_short(seconds(face.end_time)),
                )
            )


def _pick_face(job: Job, faces: list[KlingFace]) -> KlingFace:
    by_id = {face.face_id: face for face in faces}
    chosen = st.radio(
        _("Face"), list(by_id), key=keys.face_choice(job.id, "face"), horizontal=True,
        format_func=face_name,
    )  # fmt: skip
    return by_id[chosen]


def _lengths(job: Job, face: KlingFace) -> tuple[float, float]:
    """The video's and the audio's lengths in seconds (the face's end when not measured)."""
    video_s = job.inputs.video_duration or face.end_time / 1000
    audio_s = job.inputs.audio_duration or MAX_SECONDS
    return round(video_s, 1), round(audio_s, 1)


def _timing_widgets(job: Job, face: KlingFace, video_s: float, audio_s: float) -> Timing:
    """Trim, insert time and volumes; the defaults insert the audio where the face appears."""
    insert_default = min(seconds(face.start_time), video_s)
    trim_default = (0.0, round(max(0.1, min(audio_s, video_s - insert_default)), 1))
    trim = st.slider(
        _("Audio trim: the part of the audio to use (s)"), 0.0, max(audio_s, 0.1), trim_default,
        step=0.1, key=keys.face_choice(job.id, "trim"),
    )  # fmt: skip
    insert = st.slider(
        _("Insert the audio at (s into the video)"), 0.0, max(video_s, 0.1), insert_default,
        step=0.1, key=keys.face_choice(job.id, "insert"),
    )  # fmt: skip
    left, right = st.columns(2)
    sound_volume = left.slider(
        _("New audio's volume"), 0.0, 2.0, 1.0, step=0.1, key=keys.face_choice(job.id, "sound")
    )
    original_volume = right.slider(
        _("Original audio's volume"), 0.0, 2.0, 1.0, step=0.1,
        key=keys.face_choice(job.id, "original"),
    )  # fmt: skip
    return Timing(
        face=face,
        sound_start_time=round(trim[0] * 1000),
        sound_end_time=round(trim[1] * 1000),
        sound_insert_time=round(insert * 1000),
        sound_volume=sound_volume,
        original_audio_volume=original_volume,
    )


def check_timing(timing: Timing, video_s: float, audio_s: float) -> list[Finding]:
    """Kling's timing rules, as the core states them."""
    return validate_kling_timing(
        audio_duration_ms=round(audio_s * 1000),
        video_duration_ms=round(video_s * 1000),
        face_start_ms=timing.face.start_time,
        face_end_ms=timing.face.end_time,
        sound_start_time=timing.sound_start_time,
        sound_end_time=timing.sound_end_time,
        sound_insert_time=timing.sound_insert_time,
        sound_volume=timing.sound_volume,
        original_audio_volume=timing.original_audio_volume,
    )


def timeline_chart(faces: list[KlingFace], timing: Timing, video_s: float) -> alt.Chart:
    """One bar per face over the video's length, and one for where the audio will play."""
    rows = [
        {"what": face_name(f.face_id), "start": f.start_time / 1000, "end": f.end_time / 1000,
         "kind": "chosen face" if f.face_id == timing.face.face_id else "face"}
        for f in faces
    ]  # fmt: skip
    start, end = timing.placed
    rows.append({"what": _("New audio"), "start": start / 1000, "end": end / 1000, "kind": "audio"})
    colours = alt.Scale(
        domain=["face", "chosen face", "audio"], range=["#cbd5e1", "#4f46e5", "#f59e0b"]
    )
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar(cornerRadius=3)
        .encode(
            x=alt.X(
                "start:Q",
                title=_("seconds"),
                scale=alt.Scale(domain=[0, video_s]),
                axis=alt.Axis(labelOverlap=True, tickMinStep=1),
            ),
            x2="end:Q",
            y=alt.Y(
                "what:N",
                title=None,
                sort=None,
                scale=alt.Scale(paddingInner=0.35),
                axis=alt.Axis(labelPadding=6),
            ),
            color=alt.Color("kind:N", scale=colours, legend=None),
            tooltip=[
                alt.Tooltip("what:N", title=_("what")),
                alt.Tooltip("start:Q", title=_("start")),
                alt.Tooltip("end:Q", title=_("end")),
            ],
        )
        .properties(height=timeline_height(len(rows)))
    )


def timeline_height(rows: int) -> int:
    """The chart's height in pixels: Streamlit fits the axis inside it, so it is counted too."""
    return AXIS_PX + ROW_PX * rows


def _send(runtime: Runtime, job: Job, timing: Timing) -> None:
    try:
        with st.spinner(_("Creating the Kling task…")):
            runtime.service.choose_face(
                job.id, timing.face.face_id, sound_start_time=timing.sound_start_time,
                sound_end_time=timing.sound_end_time, sound_insert_time=timing.sound_insert_time,
                sound_volume=timing.sound_volume,
                original_audio_volume=timing.original_audio_volume,
            )  # fmt: skip
    except LipsyncError as exc:
        st.error(plain(translate_stored(str(exc))))
        return
    runtime.refresher.wake()
    st.rerun()


def face_name(face_id: str) -> str:
    """``Face 0``: a face as the panel names it."""
    return _("Face {face_id}").format(face_id=face_id)


def _short(value: float) -> str:
    """Seconds to a tenth, without a trailing ``.0`` (``1.5``, ``3``)."""
    return number(value, 0 if value == int(value) else 1)

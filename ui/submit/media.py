"""The submit page's two inputs: a video and an audio, each a link or a file from this computer.

Files (uploads and the shipped samples) are checked and kept by :mod:`lipsync_core.uploads`
under ``<data_dir>/uploads/`` with names made from their content's hash, so the same file
uploaded twice is stored once and a link to it (``LIPSYNC_PUBLIC_BASE_URL``) never changes; a
file that is not video or audio is refused with a sentence and not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from lipsync_core.errors import MediaValidationError
from lipsync_core.flows.model import JobInputs
from lipsync_core.flows.sources import uploads_dir
from lipsync_core.i18n import N_, _, translate_stored
from lipsync_core.uploads import keep_file, keep_upload
from ui import keys
from ui.fields import about
from ui.plain import plain
from ui.runtime import Runtime
from ui.submit.accepted import accepted_types, types_help

Kind = Literal["video", "audio"]
KINDS: tuple[Kind, ...] = ("video", "audio")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_FILES: dict[Kind, Path] = {"video": SAMPLES / "face.mp4", "audio": SAMPLES / "speech.wav"}
FILE, LINK = N_("A file"), N_("A link")  # the radio's values; shown translated
PLAYERS = {"video": st.video, "audio": st.audio}  # a player for each sample, to preview it
LABELS: dict[Kind, str] = {"video": N_("Video of the speaker"), "audio": N_("Audio to lip-sync")}
LINK_LABELS: dict[Kind, str] = {"video": N_("Link to the video"), "audio": N_("Link to the audio")}
FILE_LABELS: dict[Kind, str] = {"video": N_("The video file"), "audio": N_("The audio file")}
FILE_FIELDS: dict[Kind, str] = {"video": N_("Video file"), "audio": N_("Audio file")}
PLACEHOLDERS: dict[Kind, str] = {
    "video": "https://example.com/speaker.mp4",
    "audio": "https://example.com/speech.wav",
}


@dataclass(frozen=True)
class LocalFile:
    """A file kept under the uploads folder, with the name the person knows it by."""

    path: str
    name: str
    upload_id: str | None = None  # the uploader's file id; None for the samples


@dataclass(frozen=True)
class MediaChoice:
    """What the form holds for one input: a link, a kept file, or nothing yet."""

    kind: Kind
    url: str | None = None
    file: LocalFile | None = None

    @property
    def source(self) -> str | None:
        """Where to probe it: the link, or the kept file's path."""
        return self.url or (self.file.path if self.file else None)

    @property
    def name(self) -> str | None:
        if self.file:
            return self.file.name
        if not self.url:
            return None
        return self.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or self.url


def use_samples(runtime: Runtime) -> None:
    """Button callback: both inputs become the shipped sample files."""
    folder = uploads_dir(runtime.settings)
    for kind, sample in SAMPLE_FILES.items():
        kept = keep_file(sample, folder)
        st.session_state[keys.SUBMIT_MODE[kind]] = FILE
        st.session_state[keys.SUBMIT_FILE[kind]] = LocalFile(str(kept), sample.name)
        st.session_state[keys.SUBMIT_URL[kind]] = ""


def media_input(kind: Kind, runtime: Runtime) -> MediaChoice:
    """The widgets of one input; returns what the form currently holds for it."""
    mode = st.radio(
        _(LABELS[kind]), [FILE, LINK], format_func=_, key=keys.SUBMIT_MODE[kind], horizontal=True
    )
    if mode == LINK:
        url = st.text_input(
            _(LINK_LABELS[kind]), key=keys.SUBMIT_URL[kind], placeholder=PLACEHOLDERS[kind]
        )
        return MediaChoice(kind, url=url.strip() or None)
    upload = st.file_uploader(
        _(FILE_LABELS[kind]), type=accepted_types(kind), key=keys.SUBMIT_UPLOAD[kind],
        help=types_help(kind),
    )  # fmt: skip
    kept = _kept_upload(kind, upload, runtime)
    if kept is not None:
        using = _("Using **{name}** (sample)") if kept.upload_id is None else _("Using **{name}**")
        st.caption(using.format(name=plain(kept.name)))
        if kept.upload_id is None:
            PLAYERS[kind](kept.path)
    return MediaChoice(kind, file=kept)


def _kept_upload(kind: Kind, upload: UploadedFile | None, runtime: Runtime) -> LocalFile | None:
    """The kept file for this input: a new upload is saved once; a removed one is forgotten."""
    state_key = keys.SUBMIT_FILE[kind]
    kept: LocalFile | None = st.session_state.get(state_key)
    if upload is None:
        if kept is not None and kept.upload_id is not None:
            st.session_state.pop(state_key)
            return None
        return kept
    if kept is None or kept.upload_id != upload.file_id:
        kept = _keep_new(kind, upload, runtime)
    return kept


def _keep_new(kind: Kind, upload: UploadedFile, runtime: Runtime) -> LocalFile | None:
    """Check and keep a new upload; one that is not media is said once per rerun, read once."""
    refused_key = keys.SUBMIT_REFUSED[kind]
    refused: tuple[str, str] | None = st.session_state.get(refused_key)
    if refused is None or refused[0] != upload.file_id:
        try:
            path = keep_upload(upload, upload.name, uploads_dir(runtime.settings))
        except MediaValidationError as exc:
            refused = (upload.file_id, str(exc))
        else:
            kept = LocalFile(str(path), upload.name, upload.file_id)
            st.session_state.pop(refused_key, None)
            st.session_state[keys.SUBMIT_FILE[kind]] = kept
            return kept
    st.session_state[refused_key] = refused
    st.session_state.pop(keys.SUBMIT_FILE[kind], None)
    st.error(about(_(FILE_FIELDS[kind]), translate_stored(refused[1])))
    return None


def job_inputs(
    video: MediaChoice, audio: MediaChoice, registered_video_id: int | None
) -> JobInputs:
    """The core's inputs for what the form holds."""
    return JobInputs(
        video_url=video.url,
        video_path=video.file.path if video.file else None,
        video_name=video.name,
        audio_url=audio.url,
        audio_path=audio.file.path if audio.file else None,
        audio_name=audio.name,
        registered_video_id=registered_video_id,
    )

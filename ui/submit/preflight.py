"""The submit page's preflight: each chosen provider's limits, and the free local face check.

Every rule comes from the core (``media.probe``, ``limits.validate``, ``faces.preflight_faces``
and the media-address rule of ``flows.sources``); this module runs them, caches the slow ones
per file, and shows their findings in their own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from lipsync_core import media
from lipsync_core.config import Connection
from lipsync_core.errors import Finding, LipsyncError, Severity
from lipsync_core.flows.model import JobInputs
from lipsync_core.flows.sources import media_url
from lipsync_core.formats import number, percent
from lipsync_core.i18n import DEFAULT_LANGUAGE, N_, _, translate_stored, use_language
from lipsync_core.media import faces, limits
from ui.fields import about, field_name
from ui.labels import target_label
from ui.plain import plain
from ui.runtime import Runtime
from ui.submit.media import MediaChoice, job_inputs
from ui.submit.options import Target

PROBE_TTL = 300
GIVE: dict[str, str] = {
    "video": N_("Give the video: a file from this computer or a link."),
    "audio": N_("Give the audio: a file from this computer or a link."),
}


@dataclass(frozen=True)
class Probe:
    """A probe's result: what the file is, or the sentence saying why it could not be read."""

    info: media.MediaInfo | None = None
    error: str | None = None


@dataclass(frozen=True)
class FaceCheck:
    result: faces.FacePreflight | None = None
    error: str | None = None


@dataclass(frozen=True)
class TargetCheck:
    """One provider/model's verdict on the form's media."""

    target: Target
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(f.blocking for f in self.findings)


@st.cache_data(ttl=PROBE_TTL, show_spinner=False, max_entries=64)
def probe(source: str, allowed_hosts: tuple[str, ...]) -> Probe:
    """``media.probe``, cached; a file that cannot be read is a sentence, cached too (in English,
    shared by every reader, each reading it in their language)."""
    try:
        with use_language(DEFAULT_LANGUAGE):
            return Probe(info=media.probe(source, allowed_hosts=allowed_hosts))
    except LipsyncError as exc:
        return Probe(error=str(exc))


@st.cache_data(show_spinner=False, max_entries=16)
def face_check(path: str) -> FaceCheck:
    """``faces.preflight_faces`` on a kept file (its name is its content's hash: cache forever);
    its sentences in English, shared by every reader."""
    try:
        with use_language(DEFAULT_LANGUAGE):
            return FaceCheck(result=faces.preflight_faces(path))
    except LipsyncError as exc:
        return FaceCheck(error=str(exc))


def sandbox_hosts(runtime: Runtime) -> tuple[str, ...]:
    """The sandbox's ``host:port``, which the prober may reach although it is on loopback."""
    shared = runtime.services.sandbox
    return (shared.host_port,) if shared is not None else ()


def probe_choice(choice: MediaChoice, runtime: Runtime) -> Probe | None:
    """The probe of what the form holds, its sentences naming the file as the person named it."""
    if not choice.source:
        return None
    probed = probe(choice.source, sandbox_hosts(runtime))
    if probed.error and choice.file:
        return Probe(error=_own_name(probed.error, choice))
    return probed


def _own_name(sentence: str, choice: MediaChoice) -> str:
    """Kept files are named by their hash; a sentence about one says the person's name for it."""
    assert choice.file is not None
    return sentence.replace(Path(choice.file.path).name, choice.file.name)


def measured_inputs(
    video: MediaChoice,
    audio: MediaChoice,
    registered_video_id: int | None,
    video_probe: Probe | None,
    audio_probe: Probe | None,
) -> JobInputs:
    """The core's inputs, with the lengths the probes measured (so the core need not probe)."""
    inputs = job_inputs(video, audio, registered_video_id)
    if video_probe is not None and video_probe.info is not None:
        info = video_probe.info
        inputs.video_duration = info.video_duration or info.duration
    if audio_probe is not None and audio_probe.info is not None:
        info = audio_probe.info
        inputs.audio_duration = info.audio_duration or info.duration
    return inputs


def check_target(
    target: Target,
    runtime: Runtime,
    inputs: JobInputs,
    video: Probe | None,
    audio: Probe | None,
) -> TargetCheck:
    """Everything that decides whether this provider can be sent the form's media."""
    provider, model = target
    uses_registered = provider == "ausynclab" and inputs.registered_video_id is not None
    findings = [*_input_findings("video", video, inputs, needed=not uses_registered)]
    findings += _input_findings("audio", audio, inputs, needed=True)
    if not any(f.blocking for f in findings):
        findings += limits.validate(
            provider,
            model,
            video=None if uses_registered or video is None else video.info,
            audio=audio.info if audio else None,
        )
        findings += _address_findings(target, runtime, inputs, uses_registered)
    return TargetCheck(target, findings)


def _input_findings(
    kind: str, probed: Probe | None, inputs: JobInputs, *, needed: bool
) -> list[Finding]:
    if not needed:
        return []
    if probed is None:
        return [Finding(_(GIVE[kind]), rule="input")]
    if probed.error:
        sentence = translate_stored(probed.error)
        return [Finding(about(field_name(kind, inputs), sentence), rule=f"{kind}.probe")]
    return []


def _address_findings(
    target: Target, runtime: Runtime, inputs: JobInputs, uses_registered: bool
) -> list[Finding]:
    """A live provider cannot fetch a file from this computer without a public address."""
    provider = target[0]
    sandbox = runtime.connection(provider) is Connection.SANDBOX
    kinds = ([] if uses_registered else ["video"]) + ([] if provider == "kling" else ["audio"])
    found = []
    for kind in kinds:
        try:
            media_url(inputs, kind, provider=provider, sandbox=sandbox, settings=runtime.settings)
        except LipsyncError as exc:
            sentence = translate_stored(str(exc))
            found.append(Finding(about(field_name(kind, inputs), sentence), rule=f"{kind}.address"))
    return found


def render_checks(checks: list[TargetCheck]) -> None:
    """One column per chosen provider: ✓ or ✗, then each finding in its own words."""
    columns = st.columns(max(1, len(checks)))
    for column, check in zip(columns, checks, strict=False):
        with column, st.container(border=True):
            label = target_label(*check.target)
            if check.blocked:
                st.markdown(_("**✗ {label}**: cannot be sent as it is").format(label=label))
            else:
                st.markdown(_("**✓ {label}**: fits").format(label=label))
            for finding in check.findings:
                message = plain(translate_stored(finding.message))
                if finding.severity is Severity.BLOCKING:
                    st.error(message, icon=":material/block:")
                else:
                    st.caption(f"⚠️ {message}")


def render_face_check(video: MediaChoice, probed: Probe | None) -> None:
    """The free local face check of a readable video file; links are left to the provider."""
    if probed is None or probed.info is None or not probed.info.has_video:
        return
    if video.file is None:
        st.caption(_("The face check runs on files from this computer; a link is not checked."))
        return
    with st.spinner(_("Looking for faces…")):
        checked = face_check(video.file.path)
    if checked.error:
        sentence = translate_stored(_own_name(checked.error, video))
        st.error(plain(about(_("Video file"), sentence)))
        return
    result = checked.result
    assert result is not None
    for finding in result.findings:
        st.warning(plain(translate_stored(finding.message)))
    if result.tracks:
        span = _("{start}–{end} s")
        spans = ", ".join(
            span.format(start=number(t.start_ms / 1000, 1), end=number(t.end_ms / 1000, 1))
            for t in result.tracks
        )
        st.markdown(
            _(
                "**Face check ✓**: {count} face(s) visible ({spans}); the largest is {share} of "
                "the picture's height."
            ).format(
                count=number(len(result.tracks)),
                spans=spans,
                share=percent(result.largest_face_ratio),
            )
        )

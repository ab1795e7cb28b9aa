"""A warning before sending when the audio is much longer than the video: what each chosen
provider, and each of AusyncLab's sync modes, will do with it, in plain words and figures.

From the documents: AusyncLab's ``generate-lipsync-v2`` (Nova, and Prime sent directly) takes a
``sync_mode`` (cut_off, loop, bounce, silence, remap; loop by default); Prime from a registered
video takes none. Kling has no sync mode: it inserts the audio into the video, which keeps its
length, and only the part of the audio that fits is used. TwinSync's document says nothing.
"""

from __future__ import annotations

import streamlit as st

from lipsync_core.flows.common import duration_words
from lipsync_core.flows.model import JobInputs, JobOptions
from lipsync_core.formats import number
from lipsync_core.i18n import _
from lipsync_core.providers.ausynclab import SyncMode
from ui.labels import target_label
from ui.submit.options import Target

MUCH_LONGER = 2.0  # the audio at least this many times the video's length


def much_longer(inputs: JobInputs) -> bool:
    video, audio = inputs.video_duration, inputs.audio_duration
    return bool(video and audio and audio >= MUCH_LONGER * video)


def mode_effects(video_s: float, audio_s: float) -> dict[SyncMode, str]:
    """What each AusyncLab sync mode makes of a ``video_s`` video with ``audio_s`` of audio."""
    video, audio = duration_words(video_s), duration_words(audio_s)
    rest = duration_words(audio_s - video_s)
    times = round(audio_s / video_s)
    effects = {
        SyncMode.LOOP: _("the {video} video repeats about {times} times; the result lasts {audio}"),
        SyncMode.BOUNCE: _(
            "the video plays forward, then backward, about {times} times; the result lasts {audio}"
        ),
        SyncMode.CUT_OFF: _("the result stops after {video}: the last {rest} of the audio is lost"),
        SyncMode.SILENCE: _(
            "the result lasts {audio}, and the video's last picture stands still for {rest}"
        ),
        SyncMode.REMAP: _(
            "the video is slowed down about {times} times to last {audio} (movements look "
            "very slow)"
        ),
    }
    words = {"video": video, "audio": audio, "rest": rest, "times": number(times)}
    return {mode: text.format(**words) for mode, text in effects.items()}


def provider_effects(
    targets: list[Target], options: JobOptions, video_s: float, audio_s: float
) -> list[str]:
    """One line per chosen provider/model: what it will do with the long audio."""
    lines = []
    video = duration_words(video_s)
    for provider, model in targets:
        label = target_label(provider, model)
        if provider == "ausynclab" and (model == "nova" or options.use_v2):
            effects = mode_effects(video_s, audio_s)
            chosen = SyncMode(options.sync_mode)
            line = _(
                "**{label}**, with the sync mode chosen ({sync_mode}): {effect}. "
                "AusyncLab charges for every second of the audio ({audio})."
            ).format(
                label=label,
                sync_mode=chosen.value,
                effect=effects[chosen],
                audio=duration_words(audio_s),
            )
        elif provider == "ausynclab":
            line = _(
                "**{label}** from a registered video takes no sync mode, and AusyncLab's "
                "document does not say what it does with a longer audio."
            ).format(label=label)
        elif provider == "kling":
            line = _(
                "**{label}** keeps the video's length: it uses only the part of the audio that "
                "fits in the {video} video, which you choose with the face."
            ).format(label=label, video=video)
        else:
            line = _(
                "**{label}**: its document does not say what it does when the audio is longer "
                "than the video."
            ).format(label=label)
        lines.append(line)
    return lines


def render_length_warning(targets: list[Target], inputs: JobInputs, options: JobOptions) -> None:
    """The warning, when the audio is much longer than the video and a provider is chosen."""
    if not targets or not much_longer(inputs):
        return
    assert inputs.video_duration is not None and inputs.audio_duration is not None
    video_s, audio_s = inputs.video_duration, inputs.audio_duration
    lines = provider_effects(targets, options, video_s, audio_s)
    modes = "\n".join(
        f"  - {mode.value}: {words}" for mode, words in mode_effects(video_s, audio_s).items()
    )
    opening = _(
        "The audio ({audio}) is much longer than the video ({video}). Before you send, here is "
        "what will happen:"
    ).format(audio=duration_words(audio_s), video=duration_words(video_s))
    text = opening + "\n\n" + "\n".join(f"- {line}" for line in lines)
    if any(provider == "ausynclab" for provider, _model in targets):
        listing = _("AusyncLab's sync modes, for the video and audio you gave:")
        text += f"\n- {listing}\n{modes}"
    st.warning(text, icon=":material/timer:")

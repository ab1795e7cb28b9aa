"""Which field of a form a message is about: ``Video link: the host … could not be found``.

The core's sentences about a file or a link (it could not be read, its host could not be found,
a live provider cannot reach it) do not say which of the form's inputs they mean; on a form with
a video and an audio, each is shown after the name of its field.
"""

from __future__ import annotations

from lipsync_core.flows.model import JobInputs
from lipsync_core.i18n import N_, _

# Opening words of the core's sentences that read on after a field's name in lower case.
COMMON_OPENINGS = frozenset({"A", "An", "It", "No", "Nothing", "Only", "The", "This", "To"})
FIELD_NAMES = {
    ("video", True): N_("Video link"),
    ("video", False): N_("Video file"),
    ("audio", True): N_("Audio link"),
    ("audio", False): N_("Audio file"),
}


def field_name(kind: str, inputs: JobInputs) -> str:
    """``Video link`` or ``Video file``: the input of this ``kind`` as the form holds it."""
    url = inputs.video_url if kind == "video" else inputs.audio_url
    return _(FIELD_NAMES[(kind, bool(url))])


def about(field: str, sentence: str) -> str:
    """``sentence`` said about ``field``; a sentence that already names it is left as it is."""
    said = _("{field}: {sentence}")
    if sentence.startswith(said.format(field=field, sentence="").rstrip()):
        return sentence
    first, _space, rest = sentence.partition(" ")
    if first in COMMON_OPENINGS:
        sentence = f"{first.lower()} {rest}" if rest else first.lower()
    return said.format(field=field, sentence=sentence)

"""Which field of a form a message is about: ``Video link: the host … could not be found``.

The core's sentences about a file or a link (it could not be read, its host could not be found,
a live provider cannot reach it) do not say which of the form's inputs they mean; on a form with
a video and an audio, each is shown after the name of its field.
"""

from __future__ import annotations

from lipsync_core.flows.model import JobInputs

# Opening words of the core's sentences that read on after a field's name in lower case.
COMMON_OPENINGS = frozenset({"A", "An", "It", "No", "Nothing", "Only", "The", "This", "To"})


def field_name(kind: str, inputs: JobInputs) -> str:
    """``Video link`` or ``Video file``: the input of this ``kind`` as the form holds it."""
    url = inputs.video_url if kind == "video" else inputs.audio_url
    return f"{kind.capitalize()} {'link' if url else 'file'}"


def about(field: str, sentence: str) -> str:
    """``sentence`` said about ``field``; a sentence that already names it is left as it is."""
    if sentence.startswith(f"{field}:"):
        return sentence
    first, _, rest = sentence.partition(" ")
    if first in COMMON_OPENINGS:
        sentence = f"{first.lower()} {rest}" if rest else first.lower()
    return f"{field}: {sentence}"
